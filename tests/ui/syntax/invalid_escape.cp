// expect: E0006
const PATH = "C:\windows"
const RAW = r"C:\windows"
