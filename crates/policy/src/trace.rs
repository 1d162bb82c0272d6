//! The explain trace: every rule visited, what matched and why, what was skipped as
//! unhealthy, the random draws, and the answer.

use std::fmt::Write as _;

/// What a step records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceEvent {
    /// Where evaluation starts.
    Start,
    /// A rule is entered.
    Rule,
    /// The client's location as a geo rule sees it.
    Client,
    /// A geolocation entry matches the client.
    Match,
    /// A latency or geoproximity entry considered, nearest first.
    Candidate,
    /// A branch passed over because it is unhealthy.
    Skip,
    /// A random draw.
    Draw,
    /// No branch was healthy: the rule's last-resort behaviour applies.
    LastResort,
    /// The branch taken.
    Choose,
    /// Nothing matched the client.
    NoMatch,
    /// The final answer.
    Answer,
}

impl TraceEvent {
    /// Short lower-case name, used in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            TraceEvent::Start => "start",
            TraceEvent::Rule => "rule",
            TraceEvent::Client => "client",
            TraceEvent::Match => "match",
            TraceEvent::Candidate => "candidate",
            TraceEvent::Skip => "skip",
            TraceEvent::Draw => "draw",
            TraceEvent::LastResort => "last_resort",
            TraceEvent::Choose => "choose",
            TraceEvent::NoMatch => "no_match",
            TraceEvent::Answer => "answer",
        }
    }
}

/// One step of a trace.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceStep {
    /// Nesting depth (0 for start and answer).
    pub depth: usize,
    /// What happened.
    pub event: TraceEvent,
    /// JSON Pointer of the rule or branch concerned (empty when none).
    pub pointer: String,
    /// The step in words.
    pub detail: String,
}

/// Receives trace steps during evaluation.
pub trait Tracer {
    /// Whether steps are kept; lets evaluation skip work done only for the trace.
    const ON: bool;
    /// Records a step. `make` is only called when the tracer keeps steps.
    fn step(&mut self, depth: usize, make: impl FnOnce() -> (TraceEvent, String, String));
}

/// Keeps nothing; what the DNS path uses.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoTrace;

impl Tracer for NoTrace {
    const ON: bool = false;
    #[inline(always)]
    fn step(&mut self, _: usize, _: impl FnOnce() -> (TraceEvent, String, String)) {}
}

/// Keeps every step.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trace {
    /// The steps in order.
    pub steps: Vec<TraceStep>,
}

impl Tracer for Trace {
    const ON: bool = true;
    fn step(&mut self, depth: usize, make: impl FnOnce() -> (TraceEvent, String, String)) {
        let (event, pointer, detail) = make();
        self.steps.push(TraceStep { depth, event, pointer, detail });
    }
}

impl Trace {
    /// The trace as indented text, one step per line.
    pub fn render(&self) -> String {
        let mut s = String::new();
        for st in &self.steps {
            let _ = write!(
                s,
                "{:indent$}{:<11} {}",
                "",
                st.event.as_str(),
                st.detail,
                indent = st.depth * 2
            );
            if !st.pointer.is_empty() {
                let _ = write!(s, "  [{}]", st.pointer);
            }
            s.push('\n');
        }
        s
    }
}
