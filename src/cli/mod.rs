//! The command line: clap definitions, raw flags turned into validated options, and the
//! mapping of every outcome to an exit code. Users and CI scripts depend on this surface.

/// `println!` that never panics on a closed stdout (`out`).
macro_rules! outln {
    () => {
        $crate::cli::out::line("")
    };
    ($($arg:tt)*) => {
        $crate::cli::out::line(&format!($($arg)*))
    };
}

/// `print!` that never panics on a closed stdout (`out`).
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::out::text(&format!($($arg)*))
    };
}

mod adopt;
mod apply;
mod backend;
mod check;
mod common;
mod console;
mod drill;
mod events;
mod fmt;
mod graph;
mod import;
mod init;
mod journal;
mod logging;
pub mod out;
mod output;
mod plan;
mod progress;
mod schema;
mod show;
mod spelling;
mod state;
mod taint;
mod validate;
pub mod vars;
mod version;
mod workspace;

use crate::diag::{Diagnostic, Diagnostics, SourceMap};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::PathBuf;

/// Exit codes with meaning (README: "Exit codes").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    Error = 1,
    /// `plan --detailed-exitcode` found changes.
    Changes = 2,
    /// `fmt --check` found files to reformat (as `terraform fmt -check`).
    FmtCheck = 3,
    /// Interrupted by Ctrl-C / SIGTERM.
    Interrupted = 130,
}

#[derive(Parser, Debug)]
#[command(
    name = "strata",
    version,
    about = "Terraform-style provisioning for the AWS data tier",
    propagate_version = true
)]
pub struct Cli {
    /// Run as if strata was started in DIR (Terraform's `-chdir=DIR`).
    #[arg(short = 'C', long = "chdir", global = true, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Never colour the output (NO_COLOR is honoured too).
    #[arg(long, global = true)]
    pub no_color: bool,
    /// Never ask a question (`--input=false`): what would need an answer fails instead.
    #[arg(long, global = true, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL")]
    pub input: bool,
    /// Print warnings as one line each, after the output.
    #[arg(long, global = true)]
    pub compact_warnings: bool,
    #[command(subcommand)]
    pub command: Command,
}

/// Taking the state lock: Terraform's `-lock` and `-lock-timeout`.
#[derive(Args, Debug, Clone)]
pub struct LockFlags {
    /// Take the state lock (`--lock=false` runs without it: only when nothing else can run).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL")]
    pub lock: bool,
    /// Wait this long for a lock held by another process (Go's spelling: 30s, 5m, 1m30s).
    #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = spelling::parse_duration)]
    pub lock_timeout: std::time::Duration,
}

impl Default for LockFlags {
    fn default() -> LockFlags {
        LockFlags {
            lock: true,
            lock_timeout: std::time::Duration::ZERO,
        }
    }
}

#[derive(Args, Debug, Clone, Default)]
pub struct VarFlags {
    /// Set a root variable: NAME=VALUE (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// Read root variables from a .tfvars or .tfvars.json file (repeatable).
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<String>,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum GraphFormat {
    Dot,
    Mermaid,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum CheckFormat {
    Text,
    Json,
    Sarif,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Install the modules the configuration calls from registries, git and archives.
    Init {
        /// Pick the newest versions the constraints allow and fetch every module again
        /// (Terraform's `-upgrade` is accepted too).
        #[arg(long)]
        upgrade: bool,
    },
    /// Check the configuration: syntax, references, types, arguments against each schema.
    Validate {
        /// Machine-readable diagnostics (Terraform's `validate -json` shape).
        #[arg(long)]
        json: bool,
    },
    /// Run the security and safety guardrails on the evaluated configuration.
    Check {
        #[arg(long, value_enum, default_value = "text")]
        format: CheckFormat,
        /// Warnings fail the run too (exit 1).
        #[arg(long)]
        strict: bool,
        /// Report the findings but exit 0 (checkov's name): the summary says which failures
        /// were overridden. Wins over --strict.
        #[arg(long)]
        soft_fail: bool,
        #[command(flatten)]
        vars: VarFlags,
    },
    /// Rewrite configuration files in the canonical layout.
    Fmt {
        /// Do not write; exit 3 when a file is not formatted.
        #[arg(long)]
        check: bool,
        /// Print the changes as a unified diff.
        #[arg(long)]
        diff: bool,
        /// Also format files in subdirectories.
        #[arg(long)]
        recursive: bool,
        /// Files or directories (default: the working directory).
        paths: Vec<PathBuf>,
    },
    /// Print the dependency graph of resource instances.
    Graph {
        #[arg(long, value_enum, default_value = "dot")]
        format: GraphFormat,
        /// Draw only the changes of a saved plan and their dependencies.
        #[arg(long, value_name = "PLANFILE")]
        plan: Option<String>,
        #[command(flatten)]
        vars: VarFlags,
    },
    /// Describe a resource type's arguments (or list the supported types).
    Schema {
        /// A resource or data source type, e.g. aws_db_instance.
        #[arg(value_name = "TYPE")]
        type_: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Show what would change: refresh, diff, render.
    Plan {
        #[command(flatten)]
        flags: self::plan::PlanFlags,
    },
    /// Make the changes (from a fresh plan, or exactly those of a saved plan file).
    Apply {
        #[command(flatten)]
        flags: self::apply::ApplyFlags,
    },
    /// Destroy everything this configuration manages.
    Destroy {
        #[command(flatten)]
        flags: self::apply::ApplyFlags,
    },
    /// Show the state, or a saved plan.
    Show {
        planfile: Option<String>,
        /// Terraform's JSON format (sensitive values removed).
        #[arg(long, conflicts_with = "markdown")]
        json: bool,
        /// Markdown for a pull-request comment (plan files only).
        #[arg(long)]
        markdown: bool,
    },
    /// Print root outputs from the state.
    Output {
        name: Option<String>,
        #[arg(long, conflicts_with = "raw")]
        json: bool,
        /// Print a string output as is (the one way to print a sensitive value).
        #[arg(long)]
        raw: bool,
    },
    /// Adopt an existing AWS object into the state.
    Import {
        addr: String,
        id: String,
        #[command(flatten)]
        vars: VarFlags,
    },
    /// Restore drills: restore each database's newest recovery point into a throwaway
    /// instance, check it, time it (RTO, RPO) and delete it.
    Drill(drill::DrillFlags),
    /// List objects of the supported types in a region that no state knows.
    Discover {
        #[arg(long)]
        region: String,
        /// Only these types (repeatable; default: every supported type).
        #[arg(long = "type", value_name = "TYPE")]
        types: Vec<String>,
        /// Write `import {}` blocks for them to this new file.
        #[arg(long, value_name = "FILE")]
        out: Option<String>,
    },
    /// Inspect or edit the state.
    State {
        #[command(subcommand)]
        command: self::state::StateCommand,
    },
    /// One configuration, one state per environment.
    Workspace {
        #[command(subcommand)]
        command: self::workspace::WorkspaceCommand,
    },
    /// Release a lock left by a process that is gone.
    ForceUnlock { id: String },
    /// Mark an instance for replacement by the next apply.
    Taint {
        addr: String,
        #[command(flatten)]
        lock: LockFlags,
    },
    /// Clear the mark `taint` set (or a failed create left).
    Untaint {
        addr: String,
        #[command(flatten)]
        lock: LockFlags,
    },
    /// Evaluate expressions against the configuration and the state, one per line.
    Console {
        #[command(flatten)]
        vars: VarFlags,
    },
    /// Print strata's version, and the Terraform version whose language it implements.
    Version {
        #[arg(long)]
        json: bool,
    },
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// What a command prints when it fails: diagnostics with their sources.
pub struct Failure {
    pub diags: Diagnostics,
    pub sources: SourceMap,
}

impl From<Diagnostic> for Failure {
    fn from(d: Diagnostic) -> Failure {
        Failure {
            diags: d.into(),
            sources: SourceMap::default(),
        }
    }
}

pub type CmdResult = Result<Exit, Failure>;

/// Output settings shared by every command.
pub struct Ui {
    pub color_out: bool,
    pub color_err: bool,
    /// Questions may be asked (`--input=false` says no).
    pub input: bool,
    /// Warnings as one line each (`--compact-warnings`).
    pub compact_warnings: bool,
    /// Terraform's machine-readable UI on stdout (`plan -json`, `apply --json`): diagnostics
    /// are events too.
    pub json: bool,
}

impl Ui {
    fn new(cli: &Cli) -> Ui {
        let allowed = !cli.no_color && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        Ui {
            color_out: allowed && std::io::stdout().is_terminal(),
            color_err: allowed && std::io::stderr().is_terminal(),
            input: cli.input,
            compact_warnings: cli.compact_warnings,
            json: match &cli.command {
                Command::Plan { flags } => flags.json_stream,
                Command::Apply { flags } | Command::Destroy { flags } => flags.plan.json,
                _ => false,
            },
        }
    }

    pub fn print_diags(&self, diags: &Diagnostics, sources: &SourceMap) {
        if diags.is_empty() {
            return;
        }
        if self.json {
            events::diagnostics(diags, sources);
            return;
        }
        if self.compact_warnings && !diags.has_errors() {
            // Terraform's -compact-warnings: the summary of each, and where.
            eprintln!("Warnings:\n");
            for d in &diags.0 {
                let at = d
                    .span
                    .and_then(|s| sources.location(s))
                    .map(|l| format!(" (at {l})"))
                    .unwrap_or_default();
                eprintln!("- {}{at}", sources.hide_secrets(&d.summary));
            }
            eprintln!("\nTo see the full warning notes, run strata without --compact-warnings.\n");
            return;
        }
        eprint!("{}", diags.render(sources, self.color_err));
        eprintln!();
    }
}

pub struct Env {
    pub dir: PathBuf,
    pub ui: Ui,
    /// Every `--var` and `--var-file` of the command line, in the order given (later ones
    /// win, as in Terraform).
    pub var_order: Vec<vars::VarArg>,
}

impl Env {
    /// `path.cwd`: the directory strata runs in after `-C`, as Terraform's `-chdir` makes it.
    pub fn cwd(&self) -> PathBuf {
        self.dir
            .canonicalize()
            .or_else(|_| std::path::absolute(&self.dir))
            .unwrap_or_else(|_| self.dir.clone())
    }
}

/// Parses the command line and runs it; returns the process exit code.
pub fn run<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    logging::init();
    // Terraform's single-dash spelling, which scripts moving from `terraform` carry along.
    let command = <Cli as clap::CommandFactory>::command();
    let args = spelling::normalize(args.into_iter().map(Into::into).collect(), &command);
    let parsed = command
        .try_get_matches_from(args)
        .and_then(|m| <Cli as clap::FromArgMatches>::from_arg_matches(&m).map(|c| (c, m)));
    let (cli, matches) = match parsed {
        Ok(parsed) => parsed,
        Err(e) => {
            let code = if e.use_stderr() { 1 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let dir = cli.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let ui = Ui::new(&cli);
    if !dir.is_dir() {
        eprintln!(
            "Error: -C {}: no such directory\n  = help: pass an existing directory",
            dir.display()
        );
        return Exit::Error as i32;
    }
    let env = Env {
        dir,
        ui,
        var_order: var_order(&matches),
    };
    let result = dispatch(&env, cli.command);
    match result {
        Ok(code) => code as i32,
        Err(f) => {
            env.ui.print_diags(&f.diags, &f.sources);
            Exit::Error as i32
        }
    }
}

/// The `--var` and `--var-file` values of the (innermost) subcommand, in command-line order.
fn var_order(matches: &clap::ArgMatches) -> Vec<vars::VarArg> {
    let mut m = matches;
    while let Some((_, sub)) = m.subcommand() {
        m = sub;
    }
    let with_index = |id: &str| -> Vec<(usize, String)> {
        // Not every command has these flags (asking clap for indices of an unknown id panics).
        match m.try_get_many::<String>(id) {
            Ok(Some(values)) => m
                .indices_of(id)
                .into_iter()
                .flatten()
                .zip(values.cloned())
                .collect(),
            _ => Vec::new(),
        }
    };
    let mut all: Vec<(usize, vars::VarArg)> = with_index("vars")
        .into_iter()
        .map(|(i, v)| (i, vars::VarArg::Var(v)))
        .chain(
            with_index("var_files")
                .into_iter()
                .map(|(i, f)| (i, vars::VarArg::File(f))),
        )
        .collect();
    all.sort_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, a)| a).collect()
}

fn dispatch(env: &Env, command: Command) -> CmdResult {
    match command {
        Command::Init { upgrade } => init::init(env, upgrade),
        Command::Validate { json } => validate::validate(env, json),
        Command::Check {
            format,
            strict,
            soft_fail,
            vars,
        } => check::check(env, format, strict, soft_fail, &vars),
        Command::Fmt {
            check,
            diff,
            recursive,
            paths,
        } => fmt::fmt(env, check, diff, recursive, paths),
        Command::Graph { format, plan, vars } => match plan {
            Some(p) => graph::graph_of_plan(env, &p, format),
            None => graph::graph(env, format, &vars),
        },
        Command::Schema { type_, json } => schema::schema(type_, json),
        Command::Plan { flags } => plan::plan(env, &flags),
        Command::Apply { flags } => apply::apply(env, &flags, false),
        Command::Destroy { flags } => apply::apply(env, &flags, true),
        Command::Show {
            planfile,
            json,
            markdown,
        } => show::show(env, planfile.as_deref(), json, markdown),
        Command::Output { name, json, raw } => output::output(env, name.as_deref(), json, raw),
        Command::Import { addr, id, vars } => import::import(env, &addr, &id, &vars),
        Command::Drill(flags) => drill::drill(env, &flags),
        Command::Discover { region, types, out } => {
            adopt::discover(env, &region, &types, out.as_deref())
        }
        Command::State { command } => state::state_cmd(env, &command),
        Command::ForceUnlock { id } => state::force_unlock(env, &id),
        Command::Workspace { command } => workspace::workspace(env, &command),
        Command::Taint { addr, lock } => taint::taint(env, &addr, &lock, true),
        Command::Untaint { addr, lock } => taint::taint(env, &addr, &lock, false),
        Command::Console { vars } => console::console(env, &vars),
        Command::Version { json } => version::version(json),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "strata", &mut std::io::stdout());
            Ok(Exit::Ok)
        }
    }
}
