//! Creates whose outcome an earlier attempt left unknown: AWS's "already exists" for the
//! recorded identifier settles the create when the object is ours (its operation tag, or a
//! match with the configuration), for every type alike.

use super::*;

/// How long a retried create waits for the object AWS says exists to show in a describe.
const SETTLE_VISIBLE_TIMEOUT: Duration = Duration::from_secs(120);

/// How long after its attempt a journaled create that AWS does not show is still taken for
/// one AWS may not show yet (eventual consistency, or a request still on its way when the run
/// died) rather than for one that never happened. Before that, only a create sent again with
/// the recorded identifier, and answered, proves that nothing was made.
pub const SETTLE_GRACE: Duration = Duration::from_secs(10 * 60);

/// A journal entry recorded for an operation about to call AWS.
pub(super) struct Journaled {
    /// The entry's id: the operation id its create call tags the object with.
    pub(super) id: String,
    /// The entry was recorded by an earlier run, whose attempt under the same identifier has
    /// an unknown outcome.
    pub(super) earlier_attempt: bool,
}

/// Why a create refused as "already exists" after a lost answer was not settled.
enum Unsettled {
    /// The object found is not what the lost attempt made: someone else's.
    NotOurs(ProviderError),
    /// It may be ours: the journal keeps the create for the next run to settle.
    Open(ProviderError),
}

/// What made an earlier attempt of a create possible, so that AWS's "already exists" may
/// describe that attempt's own success.
enum Earlier<'a> {
    /// The SDK sent the create call again after an attempt whose answer was lost.
    SdkRetry(&'a str),
    /// An earlier run journaled the create under this identifier and did not see its outcome.
    Run,
}

impl Applier {
    /// Creates the object, tagged with the journal operation (`ownership`). AWS refusing the
    /// create because the object exists, when an earlier attempt under the same identifier may
    /// have been carried out unseen (a call the SDK sent again, `aws::attempts`; or an earlier
    /// run's journaled create, sent again under its recorded identifier), means that attempt
    /// may have made it: the object is settled here, for every type alike. An "already exists"
    /// without such an attempt is someone else's object: the error stands, as in Terraform,
    /// and the journal entry goes, or the next run would adopt that object as one an
    /// interrupted run created.
    pub(super) async fn create(
        &self,
        rt: &dyn ResourceType,
        settings: &ProviderSettings,
        change: &ResourceChange,
        planned: &Value,
        journaled: &Journaled,
    ) -> Result<Value, ProviderError> {
        let created = self
            .provider
            .create(settings, rt.type_name(), planned, &journaled.id)
            .await;
        let err = match created.result {
            Ok(created) => return Ok(created),
            Err(e) => e,
        };
        let journal_id = journaled.id.as_str();
        let not_ours = |err: ProviderError| async {
            self.ledger
                .update(|s| s.journal.retain(|e| e.id != journal_id))
                .await
                .map_err(ProviderError::new)?;
            Err(err)
        };
        let earlier = match (created.lost_attempt.as_deref(), journaled.earlier_attempt) {
            (Some(action), _) => Some(Earlier::SdkRetry(action)),
            (None, true) => Some(Earlier::Run),
            (None, false) => None,
        };
        if !err.already_exists {
            if journaled.earlier_attempt && !err.interrupted && created.lost_attempt.is_none() {
                // AWS answered the create sent again under the recorded identifier without
                // making anything: a look-up that finds nothing from now on is proof.
                self.ledger
                    .update(|s| {
                        if let Some(e) = s.journal.iter_mut().find(|e| e.id == journal_id) {
                            e.retried = true;
                        }
                    })
                    .await
                    .map_err(ProviderError::new)?;
            }
            return Err(err);
        }
        let Some(earlier) = earlier else {
            return not_ours(err).await;
        };
        match self
            .settle_existing(rt, settings, change, planned, journal_id, &earlier, &err)
            .await
        {
            Ok(settled) => Ok(settled),
            Err(Unsettled::NotOurs(e)) => not_ours(e).await,
            Err(Unsettled::Open(e)) => Err(e),
        }
    }

    /// Finds the object AWS says exists by the name recorded in the journal before the call
    /// and decides whether the earlier attempt made it: it carries this operation's tag (no
    /// further doubt), or, carrying no operation tag at all, it is what the configuration asks
    /// for (an object the plan would replace is not what the call made: someone else's). An
    /// object tagged by another operation is someone else's. Adopts it and runs the rest of
    /// the create (`ResourceType::settle_retried_create`).
    #[allow(clippy::too_many_arguments)]
    async fn settle_existing(
        &self,
        rt: &dyn ResourceType,
        settings: &ProviderSettings,
        change: &ResourceChange,
        planned: &Value,
        journal_id: &str,
        earlier: &Earlier<'_>,
        err: &ProviderError,
    ) -> Result<Value, Unsettled> {
        let attempt = match earlier {
            Earlier::SdkRetry(action) => {
                format!("{action} was sent again after an attempt whose answer was lost")
            }
            Earlier::Run => {
                "the create of an interrupted run was sent again under the identifier it recorded"
                    .to_string()
            }
        };
        let why = |why: String| ProviderError {
            message: format!("{} ({attempt}; {why})", err.message),
            ..err.clone()
        };
        let Some(natural) = rt.natural_id(planned) else {
            return Err(Unsettled::Open(why(
                "the object has no name to look it up by".into(),
            )));
        };
        // The retry was told it exists; a describe may lag behind (eventual consistency).
        let look = self
            .provider
            .find_visible(settings, rt.type_name(), &natural, SETTLE_VISIBLE_TIMEOUT)
            .await;
        let found = match look {
            Ok(Some(found)) => found,
            Err(e) => {
                return Err(Unsettled::Open(why(format!(
                    "looking {natural} up failed: {}",
                    e.message
                ))))
            }
            Ok(None) => return Err(Unsettled::Open(why(format!("{natural} cannot be found")))),
        };
        let tag = crate::provider::aws::ownership::OPERATION_TAG;
        let proof = match self.provider.operation_of(settings, &found).await {
            Err(e) => {
                return Err(Unsettled::Open(why(format!(
                    "reading {natural}'s tags failed: {}",
                    e.message
                ))))
            }
            Ok(Some(op)) if op == journal_id => Proof::Tagged,
            Ok(Some(other)) => {
                return Err(Unsettled::NotOurs(why(format!(
                    "{natural} carries {tag}={other}: another strata operation created it, not this one; not adopted"
                ))))
            }
            Ok(None) => {
                self.check_matches(rt, change, planned, &found, &natural)
                    .map_err(|e| match e {
                        Unsettled::NotOurs(e) => Unsettled::NotOurs(why(e.message)),
                        open => open,
                    })?;
                Proof::Matches
            }
        };
        let settled = self
            .provider
            .settle_retried_create(settings, rt.type_name(), &found, planned)
            .await
            .map_err(|e| {
                Unsettled::Open(ProviderError {
                    message: format!(
                        "{natural}, created by an earlier attempt whose answer was lost ({attempt}), was adopted but could not be finished: {}",
                        e.message
                    ),
                    ..e
                })
            })?;
        self.settled
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Settled {
                addr: change.addr.clone(),
                attempt,
                natural_id: natural.clone(),
                proof,
            });
        Ok(settled)
    }

    /// An object without an operation tag under the recorded name is adopted only if it is
    /// what the configuration asks for: an object the plan would replace is not what the call
    /// made.
    fn check_matches(
        &self,
        rt: &dyn ResourceType,
        change: &ResourceChange,
        planned: &Value,
        found: &Value,
        natural: &str,
    ) -> Result<(), Unsettled> {
        let config = match &change.config {
            Some(c) if c.is_wholly_known() => c.clone(),
            _ => self
                .resolve_config(change)
                .map_err(|e| Unsettled::Open(ProviderError::new(e)))?,
        };
        let lifecycle = config_lifecycle(&self.config, &change.addr);
        // What AWS never returns (copy_tags of a snapshot copy, ...) is absent from `found`;
        // the lost call sent the planned value, so only what AWS does return can tell.
        let mut compared = found.clone();
        if let (Value::Map(f), Some(p)) = (&mut compared, planned.as_map()) {
            for (k, v) in p {
                let sent = !matches!(v, Value::Null | Value::Unknown);
                if sent && f.get(k).is_none_or(Value::is_null) {
                    f.insert(k.clone(), v.clone());
                }
            }
        }
        let marked =
            crate::plan::build::mark_object(&change.addr.resource.type_, Mode::Managed, compared);
        let replace = crate::plan::diff::diff(rt, Some(&marked), &config, &lifecycle).replace_paths;
        if !replace.is_empty() {
            return Err(Unsettled::NotOurs(ProviderError::new(format!(
                "{natural} carries no {} tag and differs from the configuration in {}, so it is not what that attempt created: not adopted",
                crate::provider::aws::ownership::OPERATION_TAG,
                replace.join(", ")
            ))));
        }
        Ok(())
    }
}
