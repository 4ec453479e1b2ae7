// now: 2026-06-01T12:00:00Z
// Durations add and compare; timestamps move by durations; timestamp - timestamp is a
// duration; a date is a timestamp at midnight UTC.
// eval: 2027-03-31T00:00:00Z - 2027-03-01T00:00:00Z
// eval: 2027-03-31 + 1d
// eval: now() - 2026-05-31
// eval: [90m > 1h, 250ms * 4 == 1s, 1d == 24h]
// eval: [1h + 30m, 2h * 3, 30s * 0.5, 10m - 1m, 1.5h]
// eval: now() + 7d > 2026-06-07
// eval: [e.name for e in EXPIRIES if e.until - now() < 30d]
// policy: expires_soon
const EXPIRIES = [
  { name: "cert-a", until: 2026-06-15T00:00:00Z },
  { name: "cert-b", until: 2026-09-01 },
  { name: "cert-c", until: 2026-05-30 },
]

policy expires_soon {
  level advisory
  for e in EXPIRIES
  deny when e.until < now() => "`{e.name}` expired {now() - e.until} ago"
  warn when e.until >= now() and e.until - now() < 30d => "`{e.name}` expires in {e.until - now()}"
}
