//! Traffic policies and their immutable, numbered versions.

use policy::Severity;

use crate::page::{Page, max_items, page};
use crate::{Code, Error, Result, Service, check_len, from_store};

/// One immutable version of a traffic policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyVersion {
    /// Policy id (UUID v4, hyphenated).
    pub policy_id: String,
    /// Policy name (immutable, unique among policies that are not deleted).
    pub name: String,
    /// Version number, from 1; never reused.
    pub version: u32,
    /// The document exactly as it was given.
    pub document: String,
    /// Per-version comment (the only mutable part).
    pub comment: String,
    /// DNS type of the records the document produces (from its `RecordType`).
    pub record_type: String,
    /// Creation time of this version, RFC 3339 UTC.
    pub created_at: String,
    /// Whether this version was deleted (it can still be read by number).
    pub deleted: bool,
}

impl From<store::PolicyVersion> for PolicyVersion {
    fn from(v: store::PolicyVersion) -> PolicyVersion {
        PolicyVersion {
            policy_id: v.policy_id,
            name: v.name,
            version: v.version,
            document: v.document,
            comment: v.comment,
            record_type: v.record_type,
            created_at: v.created_at,
            deleted: v.deleted,
        }
    }
}

/// A traffic policy as listed: the summary of its latest version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicySummary {
    /// Policy id.
    pub id: String,
    /// Policy name.
    pub name: String,
    /// DNS type of the latest version.
    pub record_type: String,
    /// Highest version number that is not deleted.
    pub latest_version: u32,
    /// Number of versions that are not deleted (Route 53 `TrafficPolicyCount`).
    pub version_count: u32,
    /// Creation time of the policy, RFC 3339 UTC.
    pub created_at: String,
}

impl From<store::PolicySummary> for PolicySummary {
    fn from(p: store::PolicySummary) -> PolicySummary {
        PolicySummary {
            id: p.id,
            name: p.name,
            record_type: p.record_type,
            latest_version: p.latest_version,
            version_count: p.version_count,
            created_at: p.created_at,
        }
    }
}

/// Longest policy name (Route 53: 512).
const MAX_NAME: usize = 512;
/// Longest comment (Route 53: 1,024).
const MAX_COMMENT: usize = 1024;

impl Service {
    /// Validates a document with the policy engine: its record type, or
    /// `InvalidTrafficPolicyDocument` listing every error with its JSON Pointer.
    pub fn check_document(&self, document: &str) -> Result<String> {
        let c = policy::compile(document, &self.catalog);
        match &c.policy {
            Some(p) => Ok(p.record_type().to_string()),
            None => {
                let lines: Vec<String> = c
                    .diagnostics
                    .iter()
                    .filter(|d| d.severity == Severity::Error)
                    .map(|d| {
                        let at = if d.pointer.is_empty() { "(document)" } else { &d.pointer };
                        format!("{at}: {}", d.message)
                    })
                    .collect();
                Err(Error::new(Code::InvalidTrafficPolicyDocument, lines.join("\n")))
            }
        }
    }

    /// Validates a document with the server's region catalog: every error and warning, plus a
    /// warning for each referenced health check that does not exist (it counts as healthy).
    pub async fn validate(&self, document: &str) -> Result<policy::Compilation> {
        let mut c = policy::compile(document, &self.catalog);
        if let Some(p) = &c.policy {
            for message in self.missing_health_checks(p).await? {
                c.diagnostics.push(policy::Diagnostic {
                    severity: Severity::Warning,
                    pointer: String::new(),
                    message,
                });
            }
        }
        Ok(c)
    }

    /// One warning for each health check a policy refers to that does not exist: until it
    /// does, it counts as healthy, which is rarely what the author meant.
    pub async fn missing_health_checks(&self, p: &policy::Policy) -> Result<Vec<String>> {
        let known: std::collections::HashSet<String> = self
            .store
            .list_health_checks()
            .await
            .map_err(|e| from_store(e, Code::NoSuchHealthCheck, Code::NoSuchHealthCheck))?
            .into_iter()
            .map(|h| h.id)
            .collect();
        Ok(p.health_check_ids()
            .into_iter()
            .filter(|id| !known.contains(*id))
            .map(|id| {
                format!("health check {id:?} does not exist: until it does, it counts as healthy")
            })
            .collect())
    }

    /// The warnings of a document about to be stored: the validator's, and the health checks
    /// it refers to that do not exist. Empty for a document that does not compile.
    pub async fn document_warnings(&self, document: &str) -> Result<Vec<String>> {
        let c = self.validate(document).await?;
        Ok(c.warnings()
            .map(|d| {
                if d.pointer.is_empty() {
                    d.message.clone()
                } else {
                    format!("{}: {}", d.pointer, d.message)
                }
            })
            .collect())
    }

    /// The warnings for binding a policy version to a name: the health checks the version
    /// refers to that do not exist.
    pub async fn version_warnings(&self, id: &str, version: u32) -> Result<Vec<String>> {
        let v = self.read_policy(id, Some(version)).await?;
        let c = policy::compile(&v.document, &self.catalog);
        let Some(p) = &c.policy else { return Ok(Vec::new()) };
        Ok(self
            .missing_health_checks(p)
            .await?
            .into_iter()
            .map(|w| format!("policy {id} version {version}: {w}"))
            .collect())
    }

    /// CreateTrafficPolicy: version 1 of a new policy.
    pub async fn create_policy(
        &self,
        name: &str,
        document: &str,
        comment: &str,
    ) -> Result<PolicyVersion> {
        check_len("Name", name, MAX_NAME, true)?;
        check_len("Comment", comment, MAX_COMMENT, false)?;
        let rtype = self.check_document(document)?;
        let count = self.count_policies().await?;
        if count >= self.limits.traffic_policies {
            return Err(Error::new(
                Code::TooManyTrafficPolicies,
                format!(
                    "the account limit of {} traffic policies is reached",
                    self.limits.traffic_policies
                ),
            ));
        }
        let v: PolicyVersion = self
            .store
            .create_policy(name, document, &rtype, comment)
            .await
            .map_err(|e| {
                from_store(e, Code::NoSuchTrafficPolicy, Code::TrafficPolicyAlreadyExists)
            })?
            .into();
        crate::audit::changed("policy created", &[("policy", &v.policy_id), ("name", &v.name)]);
        Ok(v)
    }

    /// CreateTrafficPolicyVersion: the next version of a policy.
    pub async fn create_policy_version(
        &self,
        id: &str,
        document: &str,
        comment: &str,
    ) -> Result<PolicyVersion> {
        check_len("Comment", comment, MAX_COMMENT, false)?;
        // An unknown policy is reported before a bad document.
        self.get_policy(id, None).await?;
        let rtype = self.check_document(document)?;
        let v: PolicyVersion = self
            .store
            .create_policy_version(id, document, &rtype, comment)
            .await
            .map_err(|e| from_store(e, Code::NoSuchTrafficPolicy, Code::ConcurrentModification))?
            .into();
        crate::audit::changed(
            "policy version created",
            &[("policy", &v.policy_id), ("version", &v.version)],
        );
        Ok(v)
    }

    /// GetTrafficPolicy: any version by number, deleted ones included (their documents stay
    /// readable, as in Route 53); the latest live version when `version` is `None`.
    pub async fn read_policy(&self, id: &str, version: Option<u32>) -> Result<PolicyVersion> {
        self.store
            .get_policy_version(id, version)
            .await
            .map(PolicyVersion::from)
            .map_err(|e| from_store(e, Code::NoSuchTrafficPolicy, Code::NoSuchTrafficPolicy))
    }

    /// A live (not deleted) version; the latest when `version` is `None`.
    pub async fn get_policy(&self, id: &str, version: Option<u32>) -> Result<PolicyVersion> {
        let v = self.read_policy(id, version).await?;
        if v.deleted {
            return Err(Error::new(
                Code::NoSuchTrafficPolicy,
                format!("traffic policy {id} version {} was deleted", v.version),
            ));
        }
        Ok(v)
    }

    /// How many policies exist.
    pub async fn count_policies(&self) -> Result<u64> {
        self.store
            .count(store::Counted::Policies)
            .await
            .map_err(|e| from_store(e, Code::NoSuchTrafficPolicy, Code::NoSuchTrafficPolicy))
    }

    /// Every policy, in creation order.
    pub async fn list_policies_all(&self) -> Result<Vec<PolicySummary>> {
        self.store
            .list_policies()
            .await
            .map(|all| all.into_iter().map(PolicySummary::from).collect())
            .map_err(|e| from_store(e, Code::NoSuchTrafficPolicy, Code::NoSuchTrafficPolicy))
    }

    /// ListTrafficPolicies: a page starting at the policy `marker`.
    pub async fn list_policies(
        &self,
        marker: Option<&str>,
        max: Option<&str>,
    ) -> Result<Page<PolicySummary>> {
        let max = max_items(max, 100, 100)?;
        let all = self.list_policies_all().await?;
        let starts = marker.map(|m| move |p: &PolicySummary| p.id == m);
        Ok(page(all, starts.as_ref().map(|f| f as &dyn Fn(&PolicySummary) -> bool), max))
    }

    /// ListTrafficPolicyVersions: a page of versions from version `marker`.
    pub async fn list_policy_versions(
        &self,
        id: &str,
        marker: Option<&str>,
        max: Option<&str>,
    ) -> Result<Page<PolicyVersion>> {
        let max = max_items(max, 100, 100)?;
        let marker = match marker {
            Some(m) => Some(m.trim().parse::<u32>().map_err(|_| {
                Error::invalid("trafficpolicyversion", format!("{m:?} is not a version number"))
            })?),
            None => None,
        };
        let all: Vec<PolicyVersion> = self
            .store
            .list_policy_versions(id)
            .await
            .map_err(|e| from_store(e, Code::NoSuchTrafficPolicy, Code::NoSuchTrafficPolicy))?
            .into_iter()
            .filter(|v| !v.deleted)
            .map(PolicyVersion::from)
            .collect();
        if all.is_empty() {
            return Err(Error::new(Code::NoSuchTrafficPolicy, format!("no traffic policy {id}")));
        }
        let starts = marker.map(|m| move |v: &PolicyVersion| v.version >= m);
        Ok(page(all, starts.as_ref().map(|f| f as &dyn Fn(&PolicyVersion) -> bool), max))
    }

    /// UpdateTrafficPolicyComment.
    pub async fn update_policy_comment(
        &self,
        id: &str,
        version: u32,
        comment: &str,
    ) -> Result<PolicyVersion> {
        check_len("Comment", comment, MAX_COMMENT, false)?;
        self.get_policy(id, Some(version)).await?;
        self.store
            .update_policy_comment(id, version, comment)
            .await
            .map(PolicyVersion::from)
            .map_err(|e| from_store(e, Code::NoSuchTrafficPolicy, Code::ConcurrentModification))
    }

    /// DeleteTrafficPolicy: one version; refused while a policy record uses it.
    pub async fn delete_policy(&self, id: &str, version: u32) -> Result<()> {
        self.get_policy(id, Some(version)).await?;
        self.store
            .delete_policy_version(id, version)
            .await
            .map_err(|e| from_store(e, Code::NoSuchTrafficPolicy, Code::ConcurrentModification))?;
        crate::audit::changed("policy version deleted", &[("policy", &id), ("version", &version)]);
        Ok(())
    }
}

/// One difference between two policy documents, at a JSON Pointer (RFC 6901).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Difference {
    /// Where.
    pub pointer: String,
    /// `added`, `removed` or `changed`.
    pub kind: &'static str,
    /// The value before (absent when added).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<serde_json::Value>,
    /// The value after (absent when removed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<serde_json::Value>,
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// The structural differences between two JSON documents: objects compared by key, arrays
/// by position, anything else by value.
pub fn diff_documents(before: &serde_json::Value, after: &serde_json::Value) -> Vec<Difference> {
    use serde_json::Value;
    fn walk(at: String, a: &Value, b: &Value, out: &mut Vec<Difference>) {
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                for (k, v) in x {
                    let p = format!("{at}/{}", escape(k));
                    match y.get(k) {
                        Some(w) => walk(p, v, w, out),
                        None => out.push(Difference {
                            pointer: p,
                            kind: "removed",
                            before: Some(v.clone()),
                            after: None,
                        }),
                    }
                }
                for (k, w) in y {
                    if !x.contains_key(k) {
                        let p = format!("{at}/{}", escape(k));
                        out.push(Difference {
                            pointer: p,
                            kind: "added",
                            before: None,
                            after: Some(w.clone()),
                        });
                    }
                }
            }
            (Value::Array(x), Value::Array(y)) => {
                for i in 0..x.len().max(y.len()) {
                    let p = format!("{at}/{i}");
                    match (x.get(i), y.get(i)) {
                        (Some(v), Some(w)) => walk(p, v, w, out),
                        (Some(v), None) => out.push(Difference {
                            pointer: p,
                            kind: "removed",
                            before: Some(v.clone()),
                            after: None,
                        }),
                        (None, Some(w)) => out.push(Difference {
                            pointer: p,
                            kind: "added",
                            before: None,
                            after: Some(w.clone()),
                        }),
                        (None, None) => {}
                    }
                }
            }
            _ if a != b => out.push(Difference {
                pointer: at,
                kind: "changed",
                before: Some(a.clone()),
                after: Some(b.clone()),
            }),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(String::new(), before, after, &mut out);
    out
}

impl Service {
    /// The structural diff between two versions of a policy.
    pub async fn diff_versions(&self, id: &str, from: u32, to: u32) -> Result<Vec<Difference>> {
        let a = self.get_policy(id, Some(from)).await?;
        let b = self.get_policy(id, Some(to)).await?;
        let parse = |v: &PolicyVersion| {
            serde_json::from_str::<serde_json::Value>(&v.document).map_err(|e| {
                Error::new(Code::InvalidInput, format!("version {} is not JSON: {e}", v.version))
            })
        };
        Ok(diff_documents(&parse(&a)?, &parse(&b)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_name_their_pointers() {
        let a = serde_json::json!({"Endpoints": {"a": {"Value": "1"}, "b/c": {"Value": "2"}}, "Rules": [1, 2]});
        let b = serde_json::json!({"Endpoints": {"a": {"Value": "9"}, "d": {}}, "Rules": [1]});
        let d = diff_documents(&a, &b);
        let got: Vec<(&str, &str)> = d.iter().map(|x| (x.pointer.as_str(), x.kind)).collect();
        assert_eq!(
            got,
            vec![
                ("/Endpoints/a/Value", "changed"),
                ("/Endpoints/b~1c", "removed"),
                ("/Endpoints/d", "added"),
                ("/Rules/1", "removed"),
            ]
        );
        assert!(diff_documents(&a, &a).is_empty());
    }
}
