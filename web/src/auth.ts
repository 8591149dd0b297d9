/**
 * The bearer token for a server started with --auth-token: given once as ?token=... in the page's address, sent
 * on the page's own calls (the page and MediaPipe's files load without it).
 */
const token = new URLSearchParams(location.search).get("token");

export function authHeaders(headers: Record<string, string> = {}): Record<string, string> {
  return token ? { ...headers, Authorization: `Bearer ${token}` } : headers;
}
