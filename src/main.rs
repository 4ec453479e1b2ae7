//! The `cpl` binary: everything is in the library; see `cpl::cli`.

fn main() -> std::process::ExitCode {
    cpl::cli::main()
}
