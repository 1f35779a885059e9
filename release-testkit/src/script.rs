//! A queue of scripted responses, shared by the mocks.

use crate::recorded::RecordedResponse;

/// Responses served in order; the last one repeats.
#[derive(Debug, Default)]
pub(crate) struct Script {
    responses: Vec<RecordedResponse>,
    served: usize,
}

impl Script {
    pub(crate) fn new(responses: Vec<RecordedResponse>) -> Self {
        Self {
            responses,
            served: 0,
        }
    }

    /// The next response, or `None` for an empty script.
    pub(crate) fn next(&mut self) -> Option<&RecordedResponse> {
        let index = self.served.min(self.responses.len().checked_sub(1)?);
        self.served = self.served.saturating_add(1);
        self.responses.get(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serves_in_order_then_repeats_the_last() {
        let mut script = Script::new(vec![
            RecordedResponse::json(200, serde_json::json!(1)),
            RecordedResponse::json(200, serde_json::json!(2)),
        ]);
        let served: Vec<_> = (0..4)
            .map(|_| script.next().map(|r| r.body.clone()))
            .collect();
        assert_eq!(
            served,
            [
                Some(1.into()),
                Some(2.into()),
                Some(2.into()),
                Some(2.into())
            ]
        );
        assert!(Script::new(Vec::new()).next().is_none());
    }
}
