// Pending device codes, made the way a CLI makes them: POST to a device authorization endpoint
// (RFC 8628 §3.1), each request from another client address (X-Forwarded-For) so that the
// endpoint's per-address rate limit does not refuse the batch. Every answer is checked.

export interface DeviceAuthorizationEndpoint {
  port: number;
  path: string;
  clientId: string;
}

export interface PendingCodes {
  deviceCodes: string[];
  /** The `interval` the endpoint asked for (the same in every answer, checked). */
  intervalSeconds: number | undefined;
}

/** 10.16.0.0 upwards: apart from the pollers' addresses (device-load.ts), one per request. */
export function creationAddress(i: number): string {
  return `10.${16 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
}

async function requestCode(endpoint: DeviceAuthorizationEndpoint, i: number): Promise<{ deviceCode: string; interval: number | undefined }> {
  const response = await fetch(`http://127.0.0.1:${endpoint.port}${endpoint.path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Forwarded-For': creationAddress(i) },
    body: new URLSearchParams({ client_id: endpoint.clientId, scope: 'openid' }).toString(),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`device authorization ${endpoint.path} answered ${response.status}: ${text.slice(0, 300)}`);
  const body = JSON.parse(text) as { device_code?: unknown; user_code?: unknown; interval?: unknown };
  if (typeof body.device_code !== 'string' || typeof body.user_code !== 'string') throw new Error(`no device_code in ${text.slice(0, 300)}`);
  return { deviceCode: body.device_code, interval: typeof body.interval === 'number' ? body.interval : undefined };
}

/** `count` new pending codes, `concurrency` requests at a time. */
export async function requestDeviceCodes(endpoint: DeviceAuthorizationEndpoint, count: number, options: { concurrency?: number; firstAddress?: number } = {}): Promise<PendingCodes> {
  const deviceCodes: string[] = new Array(count);
  const intervals = new Set<number | undefined>();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const { deviceCode, interval } = await requestCode(endpoint, (options.firstAddress ?? 0) + i);
      deviceCodes[i] = deviceCode;
      intervals.add(interval);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 16 }, worker));
  if (intervals.size > 1) throw new Error(`the endpoint asked for several intervals: ${[...intervals].join(', ')}`);
  return { deviceCodes, intervalSeconds: [...intervals][0] };
}

/** The token request a CLI polls with, as a form body. */
export function pollBody(clientId: string, deviceCode: string): string {
  return new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: deviceCode, client_id: clientId }).toString();
}
