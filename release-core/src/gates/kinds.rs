//! The one list of gate kinds. A plan reads, checks, builds and describes a gate through it:
//! adding a kind is a folder `gates/<kind>/` whose spec implements
//! [`GateKind`](super::GateKind), and one line here (see `docs/adding-a-kind.md`).

/// Calls `$then!` with every gate kind, in the order messages list them: its variant, its
/// spec type, its name in a plan, its place in the plan's JSON Schema (kept stable so the
/// committed schema does not churn; a new kind takes the next number) and the sentence that
/// describes it there.
macro_rules! with_gate_kinds {
    ($then:ident) => {
        $then! {
            Env($crate::gates::env::EnvGateSpec) = "env" @ 0,
                "Checks environment variables.";
            Http($crate::gates::http::HttpGateSpec) = "http" @ 1,
                "One HTTP request with expectations.";
            AiRuntime($crate::gates::ai_runtime::AiRuntimeGateSpec) = "ai-runtime" @ 2,
                "The AI runtime control plane.";
            Sessions($crate::gates::sessions::SessionsGateSpec) = "sessions" @ 7,
                "Stale agent-gateway sessions.";
            Platform($crate::gates::platform::PlatformGateSpec) = "platform" @ 6,
                "Railway's deployment and runtime baseline.";
            Command($crate::gates::command::CommandGateSpec) = "command" @ 3,
                "A program run with a timeout, its process group stopped as a whole.";
            Prometheus($crate::gates::prometheus::PrometheusGateSpec) = "prometheus" @ 4,
                "One PromQL query judged against levels and a baseline.";
            Alerts($crate::gates::alerts::AlertsGateSpec) = "alerts" @ 5,
                "Active alerts in Alertmanager.";
        }
    };
}
pub(crate) use with_gate_kinds;

macro_rules! define_gate_kind_spec {
    ($($variant:ident($spec:ty) = $name:literal @ $rank:literal, $about:literal;)*) => {
        /// A gate's kind and its kind-specific settings.
        #[derive(Debug, Clone, PartialEq)]
        pub enum GateKindSpec {
            $(
                #[doc = concat!("`kind = \"", $name, "\"`: ", $about)]
                $variant($spec),
            )*
        }

        impl GateKindSpec {
            /// The kinds a plan may name.
            pub const KINDS: &'static [&'static str] = &[$($name),*];

            /// The kind's name.
            pub fn kind(&self) -> &'static str {
                match self {
                    $(GateKindSpec::$variant(_) => $name,)*
                }
            }

            /// The kind's settings as one unit: build, secrets, checks.
            pub fn unit(&self) -> &dyn super::GateKind {
                match self {
                    $(GateKindSpec::$variant(spec) => spec,)*
                }
            }

            /// Reads the settings of the kind named `kind`; `None` when no kind has that
            /// name, `Some(None)` when the settings could not be read (`read` said why).
            pub(crate) fn read<R: ReadSpec>(kind: &str, read: R) -> Option<Option<Self>> {
                match kind {
                    $($name => Some(read.read::<$spec>().map(GateKindSpec::$variant)),)*
                    _ => None,
                }
            }
        }
    };
}
with_gate_kinds!(define_gate_kind_spec);

/// Reads one kind's settings, reporting its own mistakes (plan loading, with positions).
pub(crate) trait ReadSpec {
    /// The settings, or `None` when they could not be read.
    fn read<T: serde::de::DeserializeOwned>(self) -> Option<T>;
}
