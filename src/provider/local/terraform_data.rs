//! `terraform_data` (Terraform's built-in provider): stores `input` and gives it back as
//! `output`; a change of `triggers_replace` replaces it (the successor of `null_resource`).

use super::{Local, LocalType};
use crate::provider::ProviderResult;
use crate::schema::Schema;
use crate::value::{Map, Value};
use std::sync::LazyLock;

pub struct TerraformData;
pub static TERRAFORM_DATA: Local<TerraformData> = Local(TerraformData);

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    crate::schema! {
        "A value kept in state; replaced when triggers_replace changes (built in).";
        id               string  output    "A UUID.";
        input            dynamic           "Any value; output gives it back.";
        output           dynamic output    "The input, as last applied.";
        triggers_replace dynamic force_new "Any value whose change replaces the resource.";
    }
});

impl LocalType for TerraformData {
    fn type_name(&self) -> &'static str {
        "terraform_data"
    }

    fn schema(&self) -> &Schema {
        &SCHEMA
    }

    fn generate(&self, planned: &Map) -> ProviderResult<Map> {
        let mut m = Map::new();
        m.insert("id".into(), Value::String(uuid::Uuid::new_v4().to_string()));
        m.insert("output".into(), output_of(planned));
        Ok(m)
    }

    /// `output` is `input` as planned, known at plan time when the input is.
    fn customize_plan(&self, planned: &mut Map) {
        let output = output_of(planned);
        planned.insert("output".into(), output);
    }
}

fn output_of(object: &Map) -> Value {
    object.get("input").cloned().unwrap_or(Value::Null)
}
