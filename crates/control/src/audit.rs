//! Who changed what: every change through this layer (the API's and the CLI's) logs
//! one `INFO` line with the target `flowdns::change`, naming who made it: the access key id
//! for API calls, `cli:<OS user>` for the command line. The adapters say who acts with
//! [`acting_as`]; nothing secret is ever logged, only ids.

use std::future::Future;

tokio::task_local! {
    static ACTOR: String;
}

/// Runs `f` on behalf of `who`: the change lines it logs name `who`.
pub async fn acting_as<F: Future>(who: impl Into<String>, f: F) -> F::Output {
    ACTOR.scope(who.into(), f).await
}

/// Who the current change is made by (`unknown` outside [`acting_as`]).
pub fn actor() -> String {
    ACTOR.try_with(Clone::clone).unwrap_or_else(|_| "unknown".to_owned())
}

/// Logs one change: `what` happened to the object named by `fields` (`key=value` pairs).
pub fn changed(what: &str, fields: &[(&str, &dyn std::fmt::Display)]) {
    let detail: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
    tracing::info!(target: "flowdns::change", by = %actor(), "{what} {}", detail.join(" "));
}

/// Logs a change to a policy record, naming it, its name, and the policy version it uses.
pub fn record_changed(what: &str, r: &crate::instances::PolicyRecord) {
    changed(
        what,
        &[
            ("record", &r.id),
            ("name", &r.name),
            ("policy", &r.policy_id),
            ("version", &r.policy_version),
        ],
    );
}
