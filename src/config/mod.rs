//! Config loading: `*.tf` files → typed, unevaluated blocks with source spans.
//!
//! Nothing is evaluated here. Expressions stay as hcl-edit trees (which keep byte spans); the
//! evaluator walks them later with the values it has.

pub mod install;
mod load;
pub mod refs;
pub mod types;

pub use load::{load, load_tfvars_file, load_with, parse_expression, Loaded};

use crate::diag::{FileId, Span};
use hcl_edit::expr::Expression;
use hcl_edit::Span as _;
use indexmap::IndexMap;
use std::path::PathBuf;
use std::sync::Arc;

pub use types::TypeConstraint;

/// The Terraform release whose configuration language strata implements: what a
/// `required_version` constraint is checked against (`strata version` prints it). Features of
/// later releases that strata lacks are refused on their own, where they are written.
pub const TERRAFORM_VERSION: &str = "1.11.4";

/// An expression together with the file it came from.
#[derive(Clone, Debug)]
pub struct Expr {
    pub file: FileId,
    pub expr: Expression,
}

impl Expr {
    pub fn span(&self) -> Span {
        Span::from_opt(self.file, self.expr.span())
    }

    pub fn sub(&self, expr: &Expression) -> Span {
        Span::from_opt(self.file, expr.span())
    }
}

#[derive(Clone, Debug)]
pub struct Attr {
    pub name: String,
    pub name_span: Span,
    pub expr: Expr,
}

#[derive(Clone, Debug)]
pub struct Block {
    pub kind: String,
    pub labels: Vec<String>,
    pub span: Span,
    pub body: Body,
}

#[derive(Clone, Debug)]
pub struct Body {
    pub file: FileId,
    pub span: Span,
    pub attrs: IndexMap<String, Attr>,
    pub blocks: Vec<Block>,
}

impl Body {
    pub fn attr(&self, name: &str) -> Option<&Attr> {
        self.attrs.get(name)
    }

    pub fn blocks_of<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks.iter().filter(move |b| b.kind == kind)
    }
}

/// Managed resource or data source: the address layer owns it.
pub use crate::addr::Mode;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderRef {
    pub name: String,
    pub alias: Option<String>,
    pub span: Span,
}

impl std::fmt::Display for ProviderRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.alias {
            Some(alias) => write!(f, "{}.{alias}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

#[derive(Clone, Debug, Default)]
pub enum IgnoreChanges {
    #[default]
    None,
    All,
    Paths(Vec<(String, Span)>),
}

#[derive(Clone, Debug, Default)]
pub struct Lifecycle {
    pub prevent_destroy: bool,
    pub create_before_destroy: bool,
    pub ignore_changes: IgnoreChanges,
    pub replace_triggered_by: Vec<Expr>,
    /// strata's own waivers for `strata check` rules.
    pub check_ignore: Vec<(String, Span)>,
}

#[derive(Clone, Debug)]
pub struct Resource {
    pub mode: Mode,
    pub type_: String,
    pub name: String,
    /// The block header (`resource "aws_db_instance" "main"`).
    pub span: Span,
    pub type_span: Span,
    pub count: Option<Expr>,
    pub for_each: Option<Expr>,
    pub depends_on: Vec<Expr>,
    pub provider: Option<ProviderRef>,
    pub lifecycle: Lifecycle,
    /// The resource's own arguments and blocks, meta-arguments removed.
    pub body: Body,
}

impl Resource {
    /// `aws_db_instance.main` or `data.aws_vpc.default`.
    pub fn key(&self) -> String {
        match self.mode {
            Mode::Managed => format!("{}.{}", self.type_, self.name),
            Mode::Data => format!("data.{}.{}", self.type_, self.name),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Validation {
    pub condition: Expr,
    pub error_message: Expr,
}

#[derive(Clone, Debug)]
pub struct Variable {
    pub name: String,
    pub span: Span,
    pub type_: Option<TypeConstraint>,
    pub default: Option<Expr>,
    pub description: Option<String>,
    pub sensitive: bool,
    pub nullable: bool,
    /// `ephemeral = true`: the value is never stored (plan, state); `graph::ephemeral` says
    /// where it may flow.
    pub ephemeral: bool,
    pub validations: Vec<Validation>,
}

#[derive(Clone, Debug)]
pub struct Local {
    pub name: String,
    pub span: Span,
    pub expr: Expr,
}

#[derive(Clone, Debug)]
pub struct Output {
    pub name: String,
    pub span: Span,
    pub value: Expr,
    pub description: Option<String>,
    pub sensitive: bool,
    /// `ephemeral = true`: allowed in child modules only (see `graph::ephemeral`).
    pub ephemeral: bool,
    pub depends_on: Vec<Expr>,
}

#[derive(Clone, Debug)]
pub struct ModuleCall {
    pub name: String,
    pub span: Span,
    pub source: String,
    pub source_span: Span,
    pub inputs: IndexMap<String, Attr>,
    pub count: Option<Expr>,
    pub for_each: Option<Expr>,
    pub depends_on: Vec<Expr>,
    /// `providers = { aws = aws.dr }`: child name → parent provider.
    pub providers: Vec<(String, ProviderRef)>,
    pub module: Arc<Module>,
}

#[derive(Clone, Debug)]
pub struct ProviderConfig {
    pub name: String,
    pub alias: Option<String>,
    pub span: Span,
    pub body: Body,
}

#[derive(Clone, Debug)]
pub struct Backend {
    pub kind: String,
    pub span: Span,
    pub body: Body,
}

#[derive(Clone, Debug, Default)]
pub struct TerraformSettings {
    pub required_version: Option<(String, Span)>,
    pub backend: Option<Backend>,
    /// The `encryption {}` block, owned by the state module.
    pub encryption: Option<Body>,
    /// `configuration_aliases` of the aws provider requirement: aliases a caller must pass.
    pub configuration_aliases: Vec<(String, Span)>,
}

#[derive(Clone, Debug)]
pub struct Moved {
    pub from: Expr,
    pub to: Expr,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Import {
    pub to: Expr,
    pub id: Expr,
    pub for_each: Option<Expr>,
    pub provider: Option<ProviderRef>,
    pub span: Span,
}

/// One module directory, parsed.
#[derive(Clone, Debug, Default)]
pub struct Module {
    pub dir: PathBuf,
    pub files: Vec<FileId>,
    pub terraform: TerraformSettings,
    pub providers: Vec<ProviderConfig>,
    pub variables: IndexMap<String, Variable>,
    pub locals: IndexMap<String, Local>,
    pub outputs: IndexMap<String, Output>,
    /// Keyed by `Resource::key()`.
    pub resources: IndexMap<String, Resource>,
    pub module_calls: IndexMap<String, ModuleCall>,
    pub moved: Vec<Moved>,
    pub imports: Vec<Import>,
}

impl Module {
    pub fn resource(&self, mode: Mode, type_: &str, name: &str) -> Option<&Resource> {
        let key = match mode {
            Mode::Managed => format!("{type_}.{name}"),
            Mode::Data => format!("data.{type_}.{name}"),
        };
        self.resources.get(&key)
    }
}

/// The whole configuration: the root module and, through module calls, its children.
pub struct Config {
    pub sources: crate::diag::SourceMap,
    pub root: Arc<Module>,
}

impl Config {
    /// The module reached through these module call names from the root.
    pub fn module_at<'a>(&self, calls: impl IntoIterator<Item = &'a str>) -> Option<&Module> {
        let mut m: &Module = &self.root;
        for name in calls {
            m = &m.module_calls.get(name)?.module;
        }
        Some(m)
    }

    /// The block an instance comes from.
    pub fn resource_of(&self, addr: &crate::addr::InstanceAddr) -> Option<&Resource> {
        let r = &addr.resource;
        self.module_at(addr.module.0.iter().map(|(n, _)| n.as_str()))?
            .resource(r.mode, &r.type_, &r.name)
    }
}
