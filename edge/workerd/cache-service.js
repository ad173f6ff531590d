// The Cache API's backing store for local runs on plain workerd (Cloudflare provides its own in
// production). workerd sends cache.match() as GET, cache.put() as PUT with the response serialised
// as HTTP/1.1 in the body, and cache.delete() as PURGE; it reads Cf-Cache-Status: HIT or MISS.
// Entries live in this isolate's memory and honour the stored response's max-age.
const entries = new Map();
const MAX_ENTRIES = 1000;

function maxAgeSeconds(cacheControl) {
  const match = /(?:^|,)\s*(?:s-maxage|max-age)=(\d+)/i.exec(cacheControl || "");
  return match ? Number(match[1]) : 0;
}

function parseSerialisedResponse(bytes) {
  const view = new Uint8Array(bytes);
  let end = -1;
  for (let i = 0; i + 3 < view.length; i++) {
    if (view[i] === 13 && view[i + 1] === 10 && view[i + 2] === 13 && view[i + 3] === 10) {
      end = i;
      break;
    }
  }
  if (end < 0) return null;
  const head = new TextDecoder().decode(view.subarray(0, end)).split("\r\n");
  const status = Number(head[0].split(" ")[1]);
  const headers = new Headers();
  for (const line of head.slice(1)) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return { status, headers, body: view.slice(end + 4) };
}

export default {
  async fetch(request) {
    const key = request.url;
    if (request.method === "PUT") {
      const stored = parseSerialisedResponse(await request.arrayBuffer());
      const ttl = stored ? maxAgeSeconds(stored.headers.get("cache-control")) : 0;
      if (!stored || ttl <= 0) return new Response(null, { status: 413 });
      if (entries.size >= MAX_ENTRIES && !entries.has(key)) entries.delete(entries.keys().next().value);
      entries.set(key, { ...stored, expiresAt: Date.now() + ttl * 1000 });
      return new Response(null, { status: 204 });
    }
    if (request.method === "PURGE") {
      return new Response(null, { status: entries.delete(key) ? 200 : 404 });
    }
    const entry = entries.get(key);
    if (!entry || entry.expiresAt <= Date.now()) {
      entries.delete(key);
      return new Response(null, { headers: { "cf-cache-status": "MISS" } });
    }
    const headers = new Headers(entry.headers);
    headers.set("cf-cache-status", "HIT");
    return new Response(entry.body, { status: entry.status, headers });
  },
};
