//! Operators: operands converted to numbers and bools as HCL converts them (for unary
//! operators too), binary operators with `&&`/`||` short-circuiting, unknowns per operand.

use super::{known_equal, Evaluator, Result};
use crate::value::Value;
use hcl_edit::expr::{BinaryOperator, Expression};

impl Evaluator<'_> {
    pub(super) fn number(&self, at: &Expression, v: Value) -> Result<f64> {
        match v {
            Value::Number(n) => Ok(n),
            Value::String(s) => s.trim().parse::<f64>().map_err(|_| {
                self.err(at, "Invalid operand")
                    .detail(format!("cannot use the string \"{s}\" as a number"))
                    .help("a number is required here")
            }),
            other => Err(self
                .err(at, "Invalid operand")
                .detail(format!("a number is required, got {}", other.type_name()))
                .help("a number is required here")),
        }
    }

    pub(super) fn boolean(&self, at: &Expression, v: Value) -> Result<bool> {
        match v {
            Value::Bool(b) => Ok(b),
            Value::String(s) if s == "true" || s == "false" => Ok(s == "true"),
            other => Err(self
                .err(at, "Invalid operand")
                .detail(format!("a bool is required, got {}", other.type_name()))
                .help("a bool is required here")),
        }
    }

    pub(super) fn binary(&mut self, b: &hcl_edit::expr::BinaryOp) -> Result<Value> {
        let op = *b.operator.value();
        let (lhs, lm) = self.eval(&b.lhs_expr)?.unmark();
        // && and || short-circuit like HCL ≥ 2.22, so `false && unknown` is known.
        match (op, &lhs) {
            (BinaryOperator::And, Value::Bool(false)) => return Ok(Value::Bool(false).mark_if(lm)),
            (BinaryOperator::Or, Value::Bool(true)) => return Ok(Value::Bool(true).mark_if(lm)),
            _ => {}
        }
        let (rhs, rm) = self.eval(&b.rhs_expr)?.unmark();
        let marked = lm || rm;
        let out = match op {
            BinaryOperator::Eq | BinaryOperator::NotEq => match known_equal(&lhs, &rhs) {
                Some(eq) => Value::Bool(if op == BinaryOperator::Eq { eq } else { !eq }),
                None => Value::Unknown,
            },
            _ if matches!(lhs, Value::Unknown) || matches!(rhs, Value::Unknown) => {
                // Still check the known side's type so errors are not hidden by unknowns.
                Value::Unknown
            }
            BinaryOperator::And | BinaryOperator::Or => {
                let l = self.boolean(&b.lhs_expr, lhs)?;
                let r = self.boolean(&b.rhs_expr, rhs)?;
                Value::Bool(if op == BinaryOperator::And {
                    l && r
                } else {
                    l || r
                })
            }
            _ => {
                let l = self.number(&b.lhs_expr, lhs)?;
                let r = self.number(&b.rhs_expr, rhs)?;
                match op {
                    BinaryOperator::Plus => Value::Number(l + r),
                    BinaryOperator::Minus => Value::Number(l - r),
                    BinaryOperator::Mul => Value::Number(l * r),
                    BinaryOperator::Div | BinaryOperator::Mod if r == 0.0 => {
                        return Err(self
                            .err(&b.rhs_expr, "Division by zero")
                            .help("make sure the divisor cannot be zero"))
                    }
                    BinaryOperator::Div => Value::Number(l / r),
                    BinaryOperator::Mod => Value::Number(l % r),
                    BinaryOperator::Less => Value::Bool(l < r),
                    BinaryOperator::LessEq => Value::Bool(l <= r),
                    BinaryOperator::Greater => Value::Bool(l > r),
                    BinaryOperator::GreaterEq => Value::Bool(l >= r),
                    _ => unreachable!("logical and equality operators are handled above"),
                }
            }
        };
        Ok(out.mark_if(marked))
    }
}
