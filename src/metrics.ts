// What Hatrack tells Prometheus, through prom-client: sign-ins, issuances, device polls, refusals
// and store errors as counters; the time STS, the federation endpoint and each IdP take as
// histograms; and prom-client's process and event-loop metrics. Each Metrics has its own registry
// (several brokers may run in one process, as in the tests). Labels take values from small fixed
// sets — connector ids, account ids, error codes — so memory stays bounded.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What an upstream call was, for the latency histograms. */
export type Upstream = 'sts' | 'federation';

/** Seconds: from a fast local stand-in to a slow IdP; beyond 10 s the caller has given up. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class Metrics {
  readonly registry = new Registry();
  private readonly logins: Counter<'connector' | 'result'>;
  private readonly issuances: Counter<'kind' | 'account' | 'via' | 'result'>;
  private readonly polls: Counter<'result'>;
  private readonly refusals: Counter<'code' | 'status'>;
  private readonly rateLimited: Counter<'bucket'>;
  private readonly upstream: Histogram<'upstream'>;
  private readonly idp: Histogram<'connector'>;

  constructor(prefix = 'hatrack_') {
    const registers = [this.registry];
    this.logins = new Counter({ name: `${prefix}logins_total`, help: 'Completed and failed sign-ins.', labelNames: ['connector', 'result'], registers });
    this.issuances = new Counter({
      name: `${prefix}issuances_total`, help: 'Credentials and console sessions asked of STS, by account, by way in and by result.',
      labelNames: ['kind', 'account', 'via', 'result'], registers,
    });
    this.polls = new Counter({ name: `${prefix}device_polls_total`, help: 'Device-code polls of the token endpoint, by answer.', labelNames: ['result'], registers });
    this.refusals = new Counter({ name: `${prefix}requests_refused_total`, help: 'Requests answered with an error, by error code and status (store_unavailable: the store failed).', labelNames: ['code', 'status'], registers });
    this.rateLimited = new Counter({ name: `${prefix}rate_limit_refusals_total`, help: 'Requests refused by a rate limit, by limit.', labelNames: ['bucket'], registers });
    this.upstream = new Histogram({ name: `${prefix}upstream_request_duration_seconds`, help: 'Time of the calls to STS and the federation endpoint.', labelNames: ['upstream'], buckets: BUCKETS, registers });
    this.idp = new Histogram({
      name: `${prefix}idp_callback_duration_seconds`, help: 'Time to verify a provider\'s answer, its token, UserInfo or directory calls included, by connector.',
      labelNames: ['connector'], buckets: BUCKETS, registers,
    });
    collectDefaultMetrics({ register: this.registry, prefix });
  }

  login(connector: string, result: 'ok' | 'failed'): void {
    this.logins.inc({ connector, result });
  }

  issuance(kind: 'credentials' | 'console', account: string, via: 'browser' | 'cli' | 'tile', result: 'issued' | 'refused'): void {
    this.issuances.inc({ kind, account, via, result });
  }

  devicePoll(result: string): void {
    this.polls.inc({ result });
  }

  refused(code: string, status: number): void {
    this.refusals.inc({ code, status: String(status) });
  }

  rateLimit(bucket: string): void {
    this.rateLimited.inc({ bucket });
  }

  /** Runs `call` and records how long it took, whether it succeeded or not. */
  async timeUpstream<T>(upstream: Upstream, call: () => Promise<T>): Promise<T> {
    const end = this.upstream.startTimer({ upstream });
    try {
      return await call();
    } finally {
      end();
    }
  }

  /** Starts the clock of a provider's answer; the returned function stops it. */
  idpTimer(connector: string): () => void {
    const end = this.idp.startTimer({ connector });
    return () => {
      end();
    };
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
