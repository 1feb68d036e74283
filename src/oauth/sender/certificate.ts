import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Config } from '../../config/index.ts';
import { compileAllowlist } from '../../credentials/api-keys/cidr.ts';
import type { TlsClientAuthField } from '../clients/metadata.ts';

/** A client certificate a request presented, on its own TLS connection or through a trusted proxy. */
export interface PresentedCertificate {
  readonly x509: X509Certificate;
  /** `x5t#S256`: base64url SHA-256 of the DER certificate (RFC 8705 §3.1). */
  readonly thumbprint: string;
  /** True when it chains to `tlsClientCa` and is within its validity period. */
  readonly trusted: boolean;
}

/** The transport facts a certificate is read from; framework-free. */
export interface CertificateSource {
  /** The TLS socket's peer certificate, when the connection is TLS and one was sent. */
  readonly peerCertificate: X509Certificate | undefined;
  /** True when Node verified that certificate against `tlsClientCa`. */
  readonly peerAuthorized: boolean;
  /** The direct peer's address (not the forwarded client IP). */
  readonly peerAddress: string | undefined;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface CertificateReader {
  read(source: CertificateSource, now: number): PresentedCertificate | undefined;
}

export const FINGERPRINT = /^[A-Za-z0-9_-]{43}$/;

export function thumbprintOf(cert: X509Certificate): string {
  return createHash('sha256').update(cert.raw).digest('base64url');
}

function loadCas(file: string | undefined): X509Certificate[] {
  if (file === undefined) return [];
  const pem = readFileSync(file, 'utf8');
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((c) => new X509Certificate(c));
}

/** RFC 9440 `Client-Cert` (`:base64 DER:`), or URL-encoded PEM as nginx's `$ssl_client_escaped_cert`. */
function parseHeaderCertificate(value: string): X509Certificate | undefined {
  try {
    const v = value.trim();
    if (v.startsWith(':') && v.endsWith(':')) return new X509Certificate(Buffer.from(v.slice(1, -1), 'base64'));
    const pem = decodeURIComponent(v);
    return pem.includes('-----BEGIN CERTIFICATE-----') ? new X509Certificate(pem) : undefined;
  } catch {
    return undefined;
  }
}

function withinValidity(cert: X509Certificate, now: number): boolean {
  return Date.parse(cert.validFrom) <= now && now <= Date.parse(cert.validTo);
}

/**
 * Reads the client certificate of a request: from the TLS connection, or — only when the direct
 * peer is one of `trustedProxies` — from the `tlsClientCertHeader` a TLS-terminating proxy sets.
 * A header from any other peer is ignored, whatever it holds.
 *
 * @example
 * const reader = createCertificateReader(config);
 * const cert = reader.read({ peerCertificate, peerAuthorized, peerAddress, headers }, Date.now());
 */
export function createCertificateReader(config: Config): CertificateReader {
  const cas = loadCas(config.tlsClientCa);
  const header = config.tlsClientCertHeader?.toLowerCase();
  let proxies: { allows(ip: string): boolean };
  try {
    proxies = compileAllowlist(config.trustedProxies);
  } catch {
    proxies = { allows: () => false };
  }
  const chainsToCa = (cert: X509Certificate, now: number) =>
    withinValidity(cert, now) && cas.some((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey));

  return {
    read(source, now) {
      if (source.peerCertificate !== undefined) {
        const x509 = source.peerCertificate;
        return { x509, thumbprint: thumbprintOf(x509), trusted: source.peerAuthorized && withinValidity(x509, now) };
      }
      if (header === undefined || source.peerAddress === undefined || !proxies.allows(source.peerAddress)) return undefined;
      const raw = source.headers[header];
      if (typeof raw !== 'string' || raw === '' || raw.length > 16_384) return undefined;
      const x509 = parseHeaderCertificate(raw);
      return x509 === undefined ? undefined : { x509, thumbprint: thumbprintOf(x509), trusted: chainsToCa(x509, now) };
    },
  };
}

/** `CN=a, O=b, C=c` (RFC 4514, last RDN first) as Node's `subject` lists it: `C=c\nO=b\nCN=a`. */
function dnLines(dn: string): string[] {
  return dn
    .split(/(?<!\\),/)
    .map((rdn) => {
      const eq = rdn.indexOf('=');
      return `${rdn.slice(0, eq).trim().toUpperCase()}=${rdn
        .slice(eq + 1)
        .trim()
        .replace(/\\(.)/g, '$1')}`;
    })
    .reverse();
}

function sanEntries(cert: X509Certificate, prefix: string): string[] {
  return (cert.subjectAltName ?? '')
    .split(', ')
    .filter((e) => e.startsWith(prefix))
    .map((e) => e.slice(prefix.length).replace(/^"|"$/g, ''));
}

/** RFC 8705 §2.1.2: does the certificate carry the subject DN or SAN the client registered? */
export function matchesRegistration(cert: X509Certificate, reg: { readonly field: TlsClientAuthField; readonly value: string }): boolean {
  switch (reg.field) {
    case 'tls_client_auth_subject_dn': {
      const want = dnLines(reg.value);
      const have = cert.subject.split('\n').map((line) => {
        const eq = line.indexOf('=');
        return `${line.slice(0, eq).toUpperCase()}=${line.slice(eq + 1)}`;
      });
      return want.length === have.length && want.every((w, i) => w === have[i]);
    }
    case 'tls_client_auth_san_dns':
      return sanEntries(cert, 'DNS:').some((d) => d.toLowerCase() === reg.value.toLowerCase());
    case 'tls_client_auth_san_uri':
      return sanEntries(cert, 'URI:').includes(reg.value);
    case 'tls_client_auth_san_ip':
      return sanEntries(cert, 'IP Address:').includes(reg.value);
    case 'tls_client_auth_san_email':
      return sanEntries(cert, 'email:').includes(reg.value);
  }
}

/** self_signed_tls_client_auth (RFC 8705 §2.2): the certificate is the `x5c[0]` of a key in the client's JWKS. */
export function matchesRegisteredCertificate(cert: X509Certificate, jwks: { keys: readonly Record<string, unknown>[] } | null): boolean {
  const presented = thumbprintOf(cert);
  return (jwks?.keys ?? []).some((k) => {
    const first = Array.isArray(k.x5c) ? k.x5c[0] : undefined;
    if (typeof first !== 'string') return false;
    try {
      return thumbprintOf(new X509Certificate(Buffer.from(first, 'base64'))) === presented;
    } catch {
      return false;
    }
  });
}
