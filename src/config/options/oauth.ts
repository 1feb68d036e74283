import { boolean, duration, integer } from '../option.ts';

export const oauthOptions = {
  oauthAnonymousRegistration: boolean({
    doc: 'Let anyone register an OAuth client at `POST /oauth/register` without an initial access token (RFC 7591 open registration). Such clients belong to the first (operator) organization; the anonymous rate limit applies. Off: registration needs an owner/admin token or an API key with `clients:write`.',
    default: false,
  }),
  oauthCodeTtl: duration({ doc: 'Lifetime of an authorization code.', default: 60, min: 10, max: 600 }),
  oauthInteractionTtl: duration({
    doc: 'How long a browser has to sign in and consent after `GET /oauth/authorize`.',
    default: 600,
    min: 60,
    max: 3600,
  }),
  oauthClientMetadataDocuments: boolean({
    doc: 'Accept an https URL as `client_id` and fetch its Client ID Metadata Document.',
    default: true,
  }),
  oauthCimdAllowPrivateAddresses: boolean({
    doc: 'Let Client ID Metadata Documents be fetched from loopback and private addresses, and over http. For tests and closed networks only: it opens the server to SSRF.',
    default: false,
  }),
  oauthCimdTimeout: duration({ doc: 'Time limit for fetching a Client ID Metadata Document.', default: 5, min: 1, max: 30 }),
  oauthCimdMaxBytes: integer({ doc: 'Largest Client ID Metadata Document accepted, in bytes.', default: 5120, min: 512, max: 65_536 }),
} as const;
