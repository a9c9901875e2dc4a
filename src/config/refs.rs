//! Static analysis of expressions: which named things an expression refers to.
//!
//! The graph is built from these references before anything is evaluated, so cycles are found
//! (and reported with the span of each reference) before evaluation could loop.

use super::Expr;
use crate::diag::Span;
use hcl_edit::expr::{Expression, TraversalOperator};
use hcl_edit::template::{Directive, Element, Template};
use hcl_edit::Span as _;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subject {
    Var(String),
    Local(String),
    /// `module.NAME` and, when written statically, the output after it.
    Module(String, Option<String>),
    Resource(String, String),
    Data(String, String),
    Count,
    Each,
    Path,
    SelfRef,
    Terraform,
}

impl std::fmt::Display for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Subject::Var(n) => write!(f, "var.{n}"),
            Subject::Local(n) => write!(f, "local.{n}"),
            Subject::Module(n, Some(o)) => write!(f, "module.{n}.{o}"),
            Subject::Module(n, None) => write!(f, "module.{n}"),
            Subject::Resource(t, n) => write!(f, "{t}.{n}"),
            Subject::Data(t, n) => write!(f, "data.{t}.{n}"),
            Subject::Count => f.write_str("count"),
            Subject::Each => f.write_str("each"),
            Subject::Path => f.write_str("path"),
            Subject::SelfRef => f.write_str("self"),
            Subject::Terraform => f.write_str("terraform"),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Reference {
    pub subject: Subject,
    pub span: Span,
    /// The attribute operator that names the object (`.name` of `var.name`, `.out` of
    /// `module.m.out`): where an undeclared name is reported, as the evaluator reports it.
    pub name_span: Span,
}

/// Every reference in `expr`, skipping names bound inside it (for-expression and template
/// `for` variables) and the given outer bound names (a `dynamic` block's iterator).
pub fn references(expr: &Expr, bound: &[String]) -> Vec<Reference> {
    let mut walker = Walker {
        file: expr.file,
        bound: bound.to_vec(),
        out: Vec::new(),
    };
    walker.expr(&expr.expr);
    walker.out
}

struct Walker {
    file: crate::diag::FileId,
    bound: Vec<String>,
    out: Vec<Reference>,
}

impl Walker {
    fn push(
        &mut self,
        root: &str,
        attrs: &[&str],
        span: Option<std::ops::Range<usize>>,
        name_span: Option<std::ops::Range<usize>>,
    ) {
        if self.bound.iter().any(|b| b == root) {
            return;
        }
        let subject = match (root, attrs) {
            ("var", [name, ..]) => Subject::Var(name.to_string()),
            ("local", [name, ..]) => Subject::Local(name.to_string()),
            ("module", [name, out, ..]) => Subject::Module(name.to_string(), Some(out.to_string())),
            ("module", [name]) => Subject::Module(name.to_string(), None),
            ("data", [t, n, ..]) => Subject::Data(t.to_string(), n.to_string()),
            ("count", _) => Subject::Count,
            ("each", _) => Subject::Each,
            ("path", _) => Subject::Path,
            ("self", _) => Subject::SelfRef,
            ("terraform", _) => Subject::Terraform,
            ("var" | "local" | "module" | "data", _) => return,
            (t, [n, ..]) => Subject::Resource(t.to_string(), n.to_string()),
            // A bare name that is not bound: the evaluator reports it.
            (_, []) => return,
        };
        self.out.push(Reference {
            subject,
            span: crate::diag::Span::from_opt(self.file, span.clone()),
            name_span: crate::diag::Span::from_opt(self.file, name_span.or(span)),
        });
    }

    fn expr(&mut self, expr: &Expression) {
        match expr {
            Expression::Null(_)
            | Expression::Bool(_)
            | Expression::Number(_)
            | Expression::String(_) => {}
            Expression::Array(items) => items.iter().for_each(|e| self.expr(e)),
            Expression::Object(obj) => {
                for (k, v) in obj.iter() {
                    if let hcl_edit::expr::ObjectKey::Expression(e) = k {
                        // A bare identifier key in parentheses-less form is a literal name.
                        if !matches!(e, Expression::Variable(_)) {
                            self.expr(e);
                        }
                    }
                    self.expr(v.expr());
                }
            }
            Expression::StringTemplate(t) => self.template(t),
            Expression::HeredocTemplate(h) => self.template(&h.template),
            Expression::Parenthesis(p) => self.expr(p.inner()),
            Expression::Variable(v) => self.push(v.as_str(), &[], v.span(), None),
            Expression::Conditional(c) => {
                self.expr(&c.cond_expr);
                self.expr(&c.true_expr);
                self.expr(&c.false_expr);
            }
            Expression::FuncCall(f) => f.args.iter().for_each(|a| self.expr(a)),
            Expression::Traversal(t) => {
                if let Expression::Variable(root) = &t.expr {
                    let mut attrs = Vec::new();
                    let mut end = root.span();
                    for op in &t.operators {
                        match op.value() {
                            TraversalOperator::GetAttr(name) => {
                                attrs.push(name.as_str());
                                if let (Some(s), Some(e)) = (&end, name.span()) {
                                    end = Some(s.start..e.end);
                                }
                            }
                            _ => break,
                        }
                    }
                    // The span covers the reference up to the subject (`aws_sg.web`), not the
                    // attribute chain after it, which reads best in a cycle report.
                    let keep = match root.as_str() {
                        "data" => 3,
                        "module" => 2,
                        _ => 2,
                    };
                    let span = span_of_first(root, &t.operators, keep).or(end);
                    // The operator naming the object: `.name` of `var.name`, `.out` of
                    // `module.m.out`, `.n` of `data.t.n` and of `t.n`.
                    let naming = match (root.as_str(), attrs.len()) {
                        ("module", n) if n >= 2 => 1,
                        ("data", _) => 1,
                        _ => 0,
                    };
                    let name_span = t.operators.get(naming).and_then(|op| op.span());
                    self.push(root.as_str(), &attrs, span, name_span);
                } else {
                    self.expr(&t.expr);
                }
                for op in &t.operators {
                    if let TraversalOperator::Index(e) = op.value() {
                        self.expr(e);
                    }
                }
            }
            Expression::UnaryOp(u) => self.expr(&u.expr),
            Expression::BinaryOp(b) => {
                self.expr(&b.lhs_expr);
                self.expr(&b.rhs_expr);
            }
            Expression::ForExpr(f) => {
                self.expr(&f.intro.collection_expr);
                let before = self.bound.len();
                if let Some(k) = &f.intro.key_var {
                    self.bound.push(k.as_str().to_string());
                }
                self.bound.push(f.intro.value_var.as_str().to_string());
                if let Some(k) = &f.key_expr {
                    self.expr(k);
                }
                self.expr(&f.value_expr);
                if let Some(c) = &f.cond {
                    self.expr(&c.expr);
                }
                self.bound.truncate(before);
            }
        }
    }

    fn template(&mut self, t: &Template) {
        for element in t.iter() {
            match element {
                Element::Literal(_) => {}
                Element::Interpolation(i) => self.expr(&i.expr),
                Element::Directive(d) => match d.as_ref() {
                    Directive::If(i) => {
                        self.expr(&i.if_expr.cond_expr);
                        self.template(&i.if_expr.template);
                        if let Some(e) = &i.else_expr {
                            self.template(&e.template);
                        }
                    }
                    Directive::For(f) => {
                        self.expr(&f.for_expr.collection_expr);
                        let before = self.bound.len();
                        if let Some(k) = &f.for_expr.key_var {
                            self.bound.push(k.as_str().to_string());
                        }
                        self.bound.push(f.for_expr.value_var.as_str().to_string());
                        self.template(&f.for_expr.template);
                        self.bound.truncate(before);
                    }
                },
            }
        }
    }
}

fn span_of_first(
    root: &hcl_edit::Decorated<hcl_edit::Ident>,
    ops: &[hcl_edit::Decorated<TraversalOperator>],
    keep: usize,
) -> Option<std::ops::Range<usize>> {
    let start = root.span()?.start;
    let mut end = root.span()?.end;
    for op in ops.iter().take(keep) {
        match op.value() {
            TraversalOperator::GetAttr(name) => end = name.span()?.end,
            _ => break,
        }
    }
    Some(start..end)
}

/// `tags` or `tags.Name` or `tags["Name"]` → a dotted static path; `None` if not static.
pub fn static_path(expr: &Expression) -> Option<String> {
    match expr {
        Expression::Variable(v) => Some(v.as_str().to_string()),
        Expression::String(s) => Some(s.value().to_string()),
        Expression::Traversal(t) => {
            let mut path = static_path(&t.expr)?;
            for op in &t.operators {
                match op.value() {
                    TraversalOperator::GetAttr(name) => {
                        path.push('.');
                        path.push_str(name.as_str());
                    }
                    TraversalOperator::Index(Expression::String(s)) => {
                        path.push('.');
                        path.push_str(s.value());
                    }
                    TraversalOperator::Index(Expression::Number(n)) => {
                        path.push_str(&format!(".{}", n.value()));
                    }
                    TraversalOperator::LegacyIndex(i) => path.push_str(&format!(".{}", i.value())),
                    _ => return None,
                }
            }
            Some(path)
        }
        _ => None,
    }
}
