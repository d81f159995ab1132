use clap::Parser;
use std::process::ExitCode;
use vodsim::cli::{Cli, execute};
use vodsim::engine::HugePageAlloc;

/// Large arrays on huge pages: fewer TLB misses on big models (see the module).
#[global_allocator]
static ALLOC: HugePageAlloc = HugePageAlloc;

fn main() -> ExitCode {
    // Arguments need not be UTF-8 (paths on Linux): clap reads them as they
    // are, and the manifest records them lossily.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let argv: Vec<String> = args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match execute(cli, &argv) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            for line in e.to_string().lines() {
                eprintln!("error: {line}");
            }
            ExitCode::from(e.exit_code())
        }
    }
}
