//! A queue of scripted answers, shared by the mocks: responses for the upstream mocks,
//! evaluations for [`MockGate`](crate::MockGate).

use crate::recorded::RecordedResponse;

/// Answers served in order; the last one repeats.
#[derive(Debug)]
pub(crate) struct Script<T = RecordedResponse> {
    responses: Vec<T>,
    served: usize,
}

impl<T> Default for Script<T> {
    fn default() -> Self {
        Self::new(Vec::new())
    }
}

impl<T> Script<T> {
    pub(crate) fn new(responses: Vec<T>) -> Self {
        Self {
            responses,
            served: 0,
        }
    }

    /// Adds an answer at the end.
    pub(crate) fn push(&mut self, answer: T) {
        self.responses.push(answer);
    }

    /// The next answer, or `None` for an empty script.
    pub(crate) fn next(&mut self) -> Option<&T> {
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
        assert!(Script::<RecordedResponse>::new(Vec::new()).next().is_none());
    }
}
