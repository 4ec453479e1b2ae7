// expect: E0216
// A record literal written where a record type is expected must give every field
// that has no default and is not optional.
type endpoint = { host: string, port: int, tls: bool = true, note: string? }

const API: endpoint = { host: "api.internal" }
const OK: endpoint = { host: "db.internal", port: 5432 }
