//! Diagnostics: every problem found in a document, each located by an RFC 6901 JSON Pointer.

use std::fmt;

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The document is rejected.
    Error,
    /// The document is accepted, but probably not what the author meant.
    Warning,
}

/// One problem in a document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// JSON Pointer of the offending value (`""` for the whole document).
    pub pointer: String,
    /// What is wrong and what is allowed, in plain words.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let at = if self.pointer.is_empty() { "(document)" } else { &self.pointer };
        write!(f, "{sev}: {at}: {}", self.message)
    }
}

/// Collects diagnostics while a document is checked.
#[derive(Default)]
pub(crate) struct Diags(pub(crate) Vec<Diagnostic>);

impl Diags {
    pub(crate) fn error(&mut self, pointer: &str, message: impl Into<String>) {
        self.push(Severity::Error, pointer, message.into());
    }
    pub(crate) fn warn(&mut self, pointer: &str, message: impl Into<String>) {
        self.push(Severity::Warning, pointer, message.into());
    }
    fn push(&mut self, severity: Severity, pointer: &str, message: String) {
        self.0.push(Diagnostic { severity, pointer: pointer.to_owned(), message });
    }
    pub(crate) fn has_errors(&self) -> bool {
        self.0.iter().any(|d| d.severity == Severity::Error)
    }
}
