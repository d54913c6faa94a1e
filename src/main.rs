use std::process::ExitCode;

/// Large blocks on huge pages: see `pgconf::alloc`.
#[cfg(target_os = "linux")]
#[global_allocator]
static ALLOCATOR: pgconf::alloc::HugePageAlloc = pgconf::alloc::HugePageAlloc;

fn main() -> ExitCode {
    pgconf::cli::main()
}
