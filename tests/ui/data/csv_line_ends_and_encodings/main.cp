// expect: E0011 E0403 E0411
// CSV saved by spreadsheets: CRLF line ends and a byte order mark (Excel), lone CR line
// ends (old Mac), trailing empty header columns, and a UTF-16 file, which cpl refuses.
entity svc {
  key id: string
  owner: string
  ports: [int]
}

source svcs: [svc] = "registry/*.csv"
