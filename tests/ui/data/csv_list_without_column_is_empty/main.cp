// In CSV a list with no value is an empty list, whether its cell is empty or the header
// has no column for it; the header check and the rows agree (rows once reported a list
// with no column as missing, one diagnostic per row).
// eval: [s.tags for s in services]
entity service {
  key name: string
  tags: [string]
}

source services: [service] = "data/services*.csv"
