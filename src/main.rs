use std::process::ExitCode;

fn main() -> ExitCode {
    pgconf::cli::main()
}
