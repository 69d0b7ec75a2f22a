//! Quality gates (`stats --fail-on 'zero_volume_pct>50'`): a figure, a comparison, a number.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Gt,
    Ge,
    Lt,
    Le,
    Eq,
    Ne,
}

impl Op {
    fn text(self) -> &'static str {
        match self {
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Eq => "==",
            Op::Ne => "!=",
        }
    }
}

/// `KEY OP NUMBER`; a symbol breaks the gate when its figure KEY satisfies the comparison.
#[derive(Clone, Debug, PartialEq)]
pub struct Gate {
    pub key: String,
    pub op: Op,
    pub value: f64,
    /// The number as written, for messages.
    pub text: String,
}

impl fmt::Display for Gate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}{}", self.key, self.op.text(), self.text)
    }
}

impl Gate {
    /// Parse `zero_volume_pct>50`, `duplicates >= 1`, `out_of_order==0`.
    pub fn parse(text: &str) -> Result<Gate, String> {
        let pos = text
            .find(['<', '>', '=', '!'])
            .ok_or_else(|| format!("`{text}`: expected KEY OP NUMBER, e.g. zero_volume_pct>50"))?;
        let key = text[..pos].trim();
        let rest = &text[pos..];
        let (op, n) = [
            (">=", Op::Ge),
            ("<=", Op::Le),
            ("==", Op::Eq),
            ("!=", Op::Ne),
            (">", Op::Gt),
            ("<", Op::Lt),
            ("=", Op::Eq),
        ]
        .iter()
        .find(|(t, _)| rest.starts_with(t))
        .map(|(t, op)| (*op, t.len()))
        .ok_or_else(|| format!("`{text}`: OP must be one of > >= < <= == !="))?;
        let num = rest[n..].trim();
        let valid_key = !key.is_empty()
            && key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !valid_key {
            return Err(format!(
                "`{text}`: KEY must be a figure name such as zero_volume_pct"
            ));
        }
        let value: f64 = num
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| format!("`{text}`: `{num}` is not a number"))?;
        Ok(Gate {
            key: key.to_string(),
            op,
            value,
            text: num.to_string(),
        })
    }

    /// Does a figure of this value break the gate? A figure without a value (null: no
    /// trades, no receive times) breaks none.
    pub fn broken_by(&self, v: Option<f64>) -> bool {
        let Some(v) = v else { return false };
        match self.op {
            Op::Gt => v > self.value,
            Op::Ge => v >= self.value,
            Op::Lt => v < self.value,
            Op::Le => v <= self.value,
            Op::Eq => v == self.value,
            Op::Ne => v != self.value,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gates_parse_and_compare() {
        let g = Gate::parse("zero_volume_pct>50").unwrap();
        assert_eq!(
            (g.key.as_str(), g.op, g.value),
            ("zero_volume_pct", Op::Gt, 50.0)
        );
        assert!(g.broken_by(Some(50.5)) && !g.broken_by(Some(50.0)) && !g.broken_by(None));
        let g = Gate::parse(" duplicates >= 1 ").unwrap();
        assert_eq!((g.key.as_str(), g.op), ("duplicates", Op::Ge));
        assert!(g.broken_by(Some(1.0)) && !g.broken_by(Some(0.0)));
        assert_eq!(Gate::parse("a!=0").unwrap().op, Op::Ne);
        assert_eq!(Gate::parse("a<=0.5").unwrap().op, Op::Le);
        assert_eq!(Gate::parse("a==2").unwrap().to_string(), "a==2");
        assert!(Gate::parse("zero_volume_pct").is_err());
        assert!(Gate::parse(">5").is_err());
        assert!(Gate::parse("a>x").is_err());
        assert!(Gate::parse("A B>1").is_err());
    }
}
