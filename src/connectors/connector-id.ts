// A connector's id appears in paths (`/login/<id>`, `/saml/<id>/acs`), store keys and every
// Identity; the configuration and the connectors check it against this one pattern.
export const CONNECTOR_ID = /^[a-z0-9][a-z0-9-]{0,31}$/;
export const CONNECTOR_ID_RULE = 'must be lower-case letters, digits and dashes (max 32)';
