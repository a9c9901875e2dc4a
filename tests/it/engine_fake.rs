//! The engine's own logic — scheduling along the dependency graph, settling a create whose
//! answer was lost — against a stand-in `Provider`, through the library's `make_plan` and
//! `apply::run::run`. Only what the engine decides is asserted here: what AWS does (the SDK's
//! retries, "already exists", tags) is tested against the emulator (`faults.rs`,
//! `journal.rs`), never here.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use strata::apply::run::{run, RunInputs, RunOutcome, RunRequest};
use strata::diag::Diagnostic;
use strata::eval::walk::WalkOptions;
use strata::exec::Reporter;
use strata::plan::build::{make_plan, PlanMode, PlanRequest};
use strata::plan::ResourceChange;
use strata::provider::{
    obj, ApiCounter, Created, Provider, ProviderError, ProviderResult, ProviderSettings,
};
use strata::state::{Backend, LocalBackend, State};
use strata::value::Value;

/// What the stand-in does with the create of one name.
#[derive(Clone, Copy, PartialEq)]
enum OnCreate {
    Make,
    /// The create is carried out, but its answer is lost and the retry told "already exists".
    LoseAnswer,
    /// Someone else (another strata operation) holds the name: "already exists" after a
    /// lost attempt, but the object carries another operation.
    TakenByOther,
}

/// A provider that keeps objects in memory, by name, and records when each create starts
/// and ends.
struct Fake {
    objects: Mutex<BTreeMap<String, (Value, String)>>,
    events: Mutex<Vec<String>>,
    on_create: BTreeMap<&'static str, OnCreate>,
    /// Creates of these names wait until all of them have started (proof they run together).
    together: Vec<&'static str>,
}

impl Fake {
    fn new() -> Fake {
        Fake {
            objects: Mutex::default(),
            events: Mutex::default(),
            on_create: BTreeMap::new(),
            together: Vec::new(),
        }
    }

    fn event(&self, e: String) {
        self.events.lock().unwrap().push(e);
    }

    fn started(&self, name: &str) -> bool {
        let e = format!("start {name}");
        self.events.lock().unwrap().contains(&e)
    }

    fn object(planned: &Value) -> Value {
        let name = obj::string(planned, "name").unwrap();
        let mut m = planned.as_map().unwrap().clone();
        m.insert("id".into(), Value::from(name.as_str()));
        m.insert("arn".into(), Value::from(format!("arn:fake:{name}")));
        Value::Map(m)
    }
}

#[async_trait]
impl Provider for Fake {
    async fn preflight(&self, _: &[ProviderSettings]) -> Result<(), Diagnostic> {
        Ok(())
    }

    async fn read_prior(
        &self,
        _: &ProviderSettings,
        _: &str,
        prior: &[Value],
    ) -> ProviderResult<BTreeMap<String, Value>> {
        let objects = self.objects.lock().unwrap();
        Ok(prior
            .iter()
            .filter_map(|p| obj::string(p, "id"))
            .filter_map(|id| Some((id.clone(), objects.get(&id)?.0.clone())))
            .collect())
    }

    async fn import(
        &self,
        _: &ProviderSettings,
        _: &str,
        id: &str,
    ) -> ProviderResult<Option<Value>> {
        Ok(self.objects.lock().unwrap().get(id).map(|o| o.0.clone()))
    }

    async fn list(&self, _: &ProviderSettings, _: &str) -> ProviderResult<Vec<Value>> {
        Ok(self
            .objects
            .lock()
            .unwrap()
            .values()
            .map(|o| o.0.clone())
            .collect())
    }

    async fn create(
        &self,
        _: &ProviderSettings,
        _: &str,
        planned: &Value,
        operation: &str,
    ) -> Created {
        let name = obj::string(planned, "name").unwrap();
        self.event(format!("start {name}"));
        if self.together.contains(&name.as_str()) {
            for _ in 0..500 {
                if self.together.iter().all(|n| self.started(n)) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
        let object = Fake::object(planned);
        let on_create = self
            .on_create
            .get(name.as_str())
            .copied()
            .unwrap_or(OnCreate::Make);
        let owner = match on_create {
            OnCreate::TakenByOther => "someone-else".to_string(),
            _ => operation.to_string(),
        };
        self.objects
            .lock()
            .unwrap()
            .insert(name.clone(), (object.clone(), owner));
        self.event(format!("end {name}"));
        match on_create {
            OnCreate::Make => Created {
                result: Ok(object),
                lost_attempt: None,
            },
            OnCreate::LoseAnswer | OnCreate::TakenByOther => Created {
                result: Err(ProviderError {
                    already_exists: true,
                    code: Some("DBSubnetGroupAlreadyExists".into()),
                    ..ProviderError::new(format!("{name} already exists"))
                }),
                lost_attempt: Some("CreateDBSubnetGroup".into()),
            },
        }
    }

    async fn update(
        &self,
        _: &ProviderSettings,
        _: &str,
        _: &Value,
        planned: &Value,
    ) -> ProviderResult<Value> {
        Ok(planned.clone())
    }

    async fn delete(&self, _: &ProviderSettings, _: &str, prior: &Value) -> ProviderResult<()> {
        let id = obj::string(prior, "id").unwrap_or_default();
        self.objects.lock().unwrap().remove(&id);
        Ok(())
    }

    async fn settle_retried_create(
        &self,
        _: &ProviderSettings,
        _: &str,
        found: &Value,
        _: &Value,
    ) -> ProviderResult<Value> {
        self.event(format!("settle {}", obj::string(found, "id").unwrap()));
        Ok(found.clone())
    }

    async fn find_by_natural_id(
        &self,
        _: &ProviderSettings,
        _: &str,
        natural: &str,
    ) -> ProviderResult<Option<Value>> {
        Ok(self
            .objects
            .lock()
            .unwrap()
            .get(natural)
            .map(|o| o.0.clone()))
    }

    async fn find_visible(
        &self,
        settings: &ProviderSettings,
        type_: &str,
        natural: &str,
        _: Duration,
    ) -> ProviderResult<Option<Value>> {
        self.find_by_natural_id(settings, type_, natural).await
    }

    async fn wait_usable(&self, _: &ProviderSettings, _: &str, _: &Value) -> ProviderResult<()> {
        Ok(())
    }

    async fn operation_of(
        &self,
        _: &ProviderSettings,
        found: &Value,
    ) -> ProviderResult<Option<String>> {
        let id = obj::string(found, "id").unwrap_or_default();
        Ok(self.objects.lock().unwrap().get(&id).map(|o| o.1.clone()))
    }

    async fn read_data(
        &self,
        _: &ProviderSettings,
        type_: &str,
        _: &Value,
    ) -> ProviderResult<Value> {
        Err(ProviderError::new(format!("no data source {type_} here")))
    }

    fn api_calls(&self) -> ApiCounter {
        ApiCounter::default()
    }

    fn interrupt(&self) {}
}

struct Quiet;

impl Reporter for Quiet {
    fn started(&self, _: &ResourceChange) {}
    fn still_running(&self, _: &ResourceChange, _: Duration) {}
    fn finished(&self, _: &ResourceChange, _: Duration, _: Option<&str>) {}
    fn failed(&self, _: &ResourceChange, _: Duration, _: &str) {}
    fn stopped_waiting(&self, _: &ResourceChange, _: Duration) {}
}

/// Plans `main_tf` from an empty state, applies it through `provider`, and reads the state
/// it left.
fn plan_and_apply(main_tf: &str, provider: Arc<Fake>) -> (RunOutcome, State) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), main_tf).unwrap();
    let sources = strata::diag::SourceMap::default();
    let (config, diags) = strata::config::load(dir.path(), &sources);
    assert!(!diags.has_errors(), "{}", diags.render(&sources, false));
    let config = config.unwrap();
    let options = WalkOptions {
        workspace: "default".into(),
        cwd: dir.path().to_path_buf(),
        ..WalkOptions::default()
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (plan, _) = make_plan(PlanRequest {
        config: &config,
        options: options.clone(),
        prior: None,
        provider: provider.clone(),
        mode: PlanMode::Normal,
        refresh: true,
        targets: Vec::new(),
        replace: Vec::new(),
        runtime: &runtime,
    })
    .unwrap_or_else(|d| panic!("{}", d.render(&sources, false)));
    let backend = Arc::new(LocalBackend::new(dir.path(), "default").unwrap());
    let inputs = RunInputs {
        config,
        options,
        plan,
        backend: backend.clone(),
        prior: None,
        provider,
    };
    let outcome = run(RunRequest {
        inputs,
        runtime: &runtime,
        parallelism: 10,
        still_interval: Duration::from_secs(60),
        reporter: Arc::new(Quiet),
        on_interrupt: Box::new(|| {}),
        on_abort: Box::new(|| {}),
        interrupted_exit_code: 130,
    })
    .unwrap_or_else(|e| panic!("{e:?}"));
    let state = backend.read().unwrap().expect("the run wrote a state");
    (outcome, state)
}

const PROVIDER: &str = "provider \"aws\" {\n  region = \"us-east-1\"\n}\n";

fn subnet_group(name: &str, description: &str) -> String {
    format!(
        "resource \"aws_db_subnet_group\" \"{name}\" {{\n  name = \"{name}\"\n  description = \"{description}\"\n  subnet_ids = [\"subnet-1\", \"subnet-2\"]\n}}\n"
    )
}

fn position(events: &[String], e: &str) -> usize {
    events
        .iter()
        .position(|x| x == e)
        .unwrap_or_else(|| panic!("no {e:?} in {events:?}"))
}

/// Independent creates run at once; one that references another's computed attribute starts
/// only after that create finished, with the value it returned.
#[test]
fn a_dependent_create_starts_after_its_dependency_and_independent_ones_together() {
    let mut fake = Fake::new();
    fake.together = vec!["a", "c"];
    let fake = Arc::new(fake);
    let main_tf = format!(
        "{PROVIDER}{}{}{}",
        subnet_group("a", "first"),
        subnet_group("b", "after ${aws_db_subnet_group.a.arn}"),
        subnet_group("c", "independent"),
    );
    let (outcome, state) = plan_and_apply(&main_tf, fake.clone());
    assert!(
        outcome.executed.failed.is_empty(),
        "{:?}",
        outcome.executed.failed
    );
    let events = fake.events.lock().unwrap().clone();
    // a and c waited for each other inside their creates: both started before either ended.
    assert!(
        position(&events, "start c") < position(&events, "end a"),
        "{events:?}"
    );
    assert!(
        position(&events, "start a") < position(&events, "end c"),
        "{events:?}"
    );
    assert!(
        position(&events, "end a") < position(&events, "start b"),
        "{events:?}"
    );
    let b = fake.objects.lock().unwrap()["b"].0.clone();
    assert_eq!(obj::str(&b, "description"), Some("after arn:fake:a"));
    assert_eq!(state.instances().count(), 3);
    assert!(state.journal.is_empty(), "{:?}", state.journal);
}

/// A create whose answer was lost, retried and told "already exists", is settled by adopting
/// the object when it carries this run's journal operation.
#[test]
fn a_create_whose_answer_was_lost_is_adopted_when_it_carries_the_operation() {
    let mut fake = Fake::new();
    fake.on_create.insert("a", OnCreate::LoseAnswer);
    let fake = Arc::new(fake);
    let (outcome, state) = plan_and_apply(
        &format!("{PROVIDER}{}", subnet_group("a", "x")),
        fake.clone(),
    );
    assert!(
        outcome.executed.failed.is_empty(),
        "{:?}",
        outcome.executed.failed
    );
    assert_eq!(outcome.settled.len(), 1);
    assert_eq!(outcome.settled[0].natural_id, "a");
    assert_eq!(outcome.settled[0].proof, strata::apply::Proof::Tagged);
    assert!(outcome.settled[0].attempt.contains("CreateDBSubnetGroup"));
    assert!(fake
        .events
        .lock()
        .unwrap()
        .contains(&"settle a".to_string()));
    assert_eq!(state.instances().count(), 1);
    assert!(state.journal.is_empty(), "{:?}", state.journal);
}

/// The same "already exists" for an object another operation made is someone else's: the
/// create fails, nothing is adopted, and the journal entry goes (the next run must not adopt
/// it as one an interrupted run created).
#[test]
fn a_create_refused_for_another_operations_object_fails_and_adopts_nothing() {
    let mut fake = Fake::new();
    fake.on_create.insert("a", OnCreate::TakenByOther);
    let fake = Arc::new(fake);
    let (outcome, state) = plan_and_apply(
        &format!("{PROVIDER}{}", subnet_group("a", "x")),
        fake.clone(),
    );
    assert_eq!(outcome.executed.failed.len(), 1);
    assert!(outcome.settled.is_empty());
    assert!(!fake
        .events
        .lock()
        .unwrap()
        .contains(&"settle a".to_string()));
    assert_eq!(state.instances().count(), 0);
    assert!(state.journal.is_empty(), "{:?}", state.journal);
}
