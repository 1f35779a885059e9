use std::collections::BTreeMap;

use schemars::JsonSchema;

use super::model::{Environment, GateCommon, ReleaseSection};

/// The shape of a plan file, for its JSON Schema (`release schema plan`). Loading reads each
/// part separately to report every error with its position; this type describes the whole.
#[derive(JsonSchema)]
#[schemars(title = "release plan", deny_unknown_fields)]
#[expect(
    dead_code,
    reason = "describes the plan's shape for the JSON Schema only"
)]
pub struct PlanDocument {
    /// Names and where artifacts go.
    #[schemars(default)]
    release: Option<ReleaseSection>,
    /// Target environments by name.
    environments: BTreeMap<String, Environment>,
    /// Token names to the variables that hold them.
    #[schemars(default)]
    tokens: Option<BTreeMap<String, String>>,
    /// The gates, written `[[gates]]`.
    #[schemars(default)]
    gates: Option<Vec<GateDocument>>,
    /// Rollback triggers and the facts a rollback plan needs.
    #[schemars(default)]
    rollback: Option<super::rollback::RollbackSection>,
    /// The rollout `release rollout` carries out.
    #[schemars(default)]
    rollout: Option<super::rollout::RolloutSection>,
}

macro_rules! define_gate_document {
    ($($variant:ident($spec:ty) = $name:literal @ $rank:literal, $about:literal;)*) => {
        /// One gate: the common fields and its kind's own.
        #[derive(JsonSchema)]
        #[schemars(tag = "kind", deny_unknown_fields, transform = in_schema_order)]
        #[expect(
            dead_code,
            reason = "describes the plan's shape for the JSON Schema only"
        )]
        enum GateDocument {
            $(
                #[doc = $about]
                #[schemars(rename = $name)]
                $variant {
                    #[schemars(flatten)]
                    common: GateCommon,
                    #[schemars(flatten)]
                    spec: $spec,
                },
            )*
        }
    };
}
crate::gates::kinds::with_gate_kinds!(define_gate_document);

macro_rules! define_schema_rank {
    ($($variant:ident($spec:ty) = $name:literal @ $rank:literal, $about:literal;)*) => {
        /// Where the kind's schema stands among the others.
        fn schema_rank(kind: &str) -> usize {
            match kind {
                $($name => $rank,)*
                _ => usize::MAX,
            }
        }
    };
}
crate::gates::kinds::with_gate_kinds!(define_schema_rank);

/// Orders the kinds' schemas by their place in the list of kinds.
fn in_schema_order(schema: &mut schemars::Schema) {
    let Some(serde_json::Value::Array(kinds)) = schema.get_mut("oneOf") else {
        return;
    };
    kinds.sort_by_key(|kind| {
        let name = kind
            .pointer("/properties/kind/const")
            .and_then(|n| n.as_str());
        name.map_or(usize::MAX, schema_rank)
    });
}
