//! The command line: clap definitions, raw flags turned into validated options, and the
//! mapping of every outcome to an exit code. Users and CI scripts depend on this surface.

mod adopt;
mod apply;
mod backend;
mod check;
mod common;
mod fmt;
mod graph;
mod import;
mod init;
mod journal;
mod output;
mod plan;
mod progress;
mod schema;
mod show;
mod state;
mod validate;
pub mod vars;
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
    /// Run as if strata was started in DIR.
    #[arg(short = 'C', global = true, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Never colour the output (NO_COLOR is honoured too).
    #[arg(long, global = true)]
    pub no_color: bool,
    #[command(subcommand)]
    pub command: Command,
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
}

impl Ui {
    fn new(no_color: bool) -> Ui {
        let allowed = !no_color && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        Ui {
            color_out: allowed && std::io::stdout().is_terminal(),
            color_err: allowed && std::io::stderr().is_terminal(),
        }
    }

    pub fn print_diags(&self, diags: &Diagnostics, sources: &SourceMap) {
        if !diags.is_empty() {
            eprint!("{}", diags.render(sources, self.color_err));
            if !diags.0.is_empty() {
                eprintln!();
            }
        }
    }
}

pub struct Env {
    pub dir: PathBuf,
    pub ui: Ui,
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
    // Terraform's single-dash spelling, which scripts moving from `terraform init` carry along.
    let args = args.into_iter().map(|a| {
        let a: std::ffi::OsString = a.into();
        if a == "-upgrade" {
            "--upgrade".into()
        } else {
            a
        }
    });
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 1 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let dir = cli.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let ui = Ui::new(cli.no_color);
    if !dir.is_dir() {
        eprintln!(
            "Error: -C {}: no such directory\n  = help: pass an existing directory",
            dir.display()
        );
        return Exit::Error as i32;
    }
    let env = Env { dir, ui };
    let result = dispatch(&env, cli.command);
    match result {
        Ok(code) => code as i32,
        Err(f) => {
            env.ui.print_diags(&f.diags, &f.sources);
            Exit::Error as i32
        }
    }
}

fn dispatch(env: &Env, command: Command) -> CmdResult {
    match command {
        Command::Init { upgrade } => init::init(env, upgrade),
        Command::Validate { json } => validate::validate(env, json),
        Command::Check {
            format,
            strict,
            vars,
        } => check::check(env, format, strict, &vars),
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
        Command::Discover { region, types, out } => {
            adopt::discover(env, &region, &types, out.as_deref())
        }
        Command::State { command } => state::state_cmd(env, &command),
        Command::ForceUnlock { id } => state::force_unlock(env, &id),
        Command::Workspace { command } => workspace::workspace(env, &command),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "strata", &mut std::io::stdout());
            Ok(Exit::Ok)
        }
    }
}
