//! `random_pet`: a readable random name, `adverb-adjective-animal` shortened to `length`
//! words, for names people say aloud (`prefix` first, `separator` between).

use super::{Local, LocalType};
use crate::provider::{ProviderError, ProviderResult};
use crate::schema::Schema;
use crate::value::{Map, Value};
use rand::seq::SliceRandom;
use std::sync::LazyLock;

pub struct RandomPet;
pub static RANDOM_PET: Local<RandomPet> = Local(RandomPet);

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    crate::schema! {
        "A random readable name (hashicorp/random).";
        id        string     output              "The name.";
        length    number     force_new default(2) "How many words.";
        prefix    string     force_new           "A word put first.";
        separator string     force_new default("-") "What goes between the words.";
        keepers   string_map force_new           "Any values whose change picks a new name.";
    }
});

const ADVERBS: &[&str] = &[
    "amply",
    "boldly",
    "briskly",
    "calmly",
    "carefully",
    "cleanly",
    "deeply",
    "eagerly",
    "evenly",
    "fairly",
    "firmly",
    "freely",
    "gently",
    "gladly",
    "greatly",
    "happily",
    "highly",
    "honestly",
    "keenly",
    "kindly",
    "largely",
    "lightly",
    "loudly",
    "mostly",
    "neatly",
    "nicely",
    "openly",
    "plainly",
    "quickly",
    "quietly",
    "rapidly",
    "really",
    "safely",
    "sharply",
    "simply",
    "slowly",
    "smoothly",
    "softly",
    "solely",
    "steadily",
    "surely",
    "swiftly",
    "truly",
    "warmly",
    "wholly",
    "widely",
    "wisely",
];

const ADJECTIVES: &[&str] = &[
    "able", "active", "amazing", "ample", "apt", "bold", "brave", "bright", "brisk", "calm",
    "capable", "careful", "clean", "clear", "clever", "cool", "cosmic", "crisp", "daring",
    "decent", "eager", "easy", "epic", "exact", "fair", "fast", "fine", "firm", "fit", "fluent",
    "frank", "free", "fresh", "funny", "gentle", "glad", "golden", "good", "grand", "happy",
    "hardy", "helpful", "honest", "humble", "ideal", "jolly", "just", "keen", "kind", "lively",
    "loyal", "lucky", "merry", "modest", "neat", "nice", "noble", "open", "patient", "polite",
    "proper", "proud", "quick", "quiet", "rapid", "ready", "robust", "safe", "sharp", "smart",
    "solid", "steady", "sunny", "super", "sure", "swift", "tidy", "tough", "true", "trusty",
    "valued", "vital", "warm", "wise", "witty", "worthy",
];

const ANIMALS: &[&str] = &[
    "albatross",
    "alpaca",
    "ant",
    "antelope",
    "badger",
    "bat",
    "bear",
    "beaver",
    "bee",
    "bison",
    "boar",
    "buffalo",
    "camel",
    "cat",
    "cheetah",
    "chicken",
    "cobra",
    "cod",
    "cow",
    "crab",
    "crane",
    "crow",
    "deer",
    "dingo",
    "dog",
    "dolphin",
    "dove",
    "duck",
    "eagle",
    "eel",
    "elk",
    "emu",
    "falcon",
    "ferret",
    "finch",
    "fish",
    "flamingo",
    "fox",
    "frog",
    "gazelle",
    "gecko",
    "gibbon",
    "goat",
    "goose",
    "gorilla",
    "hare",
    "hawk",
    "hen",
    "heron",
    "horse",
    "ibex",
    "jackal",
    "jaguar",
    "kangaroo",
    "kit",
    "koala",
    "lamb",
    "lark",
    "lemur",
    "leopard",
    "lion",
    "llama",
    "lobster",
    "lynx",
    "macaw",
    "mole",
    "mongoose",
    "moose",
    "mouse",
    "mule",
    "newt",
    "octopus",
    "orca",
    "osprey",
    "otter",
    "owl",
    "ox",
    "panda",
    "panther",
    "parrot",
    "pelican",
    "penguin",
    "pig",
    "pony",
    "puma",
    "quail",
    "rabbit",
    "raven",
    "seal",
    "shark",
    "sheep",
    "snail",
    "sparrow",
    "squid",
    "swan",
    "tiger",
    "toad",
    "trout",
    "turtle",
    "viper",
    "walrus",
    "weasel",
    "whale",
    "wolf",
    "wombat",
    "yak",
    "zebra",
];

impl LocalType for RandomPet {
    fn type_name(&self) -> &'static str {
        "random_pet"
    }

    fn schema(&self) -> &Schema {
        &SCHEMA
    }

    fn generate(&self, planned: &Map) -> ProviderResult<Map> {
        let length = planned.get("length").and_then(Value::as_i64).unwrap_or(2);
        if length < 1 {
            return Err(ProviderError::new("length must be at least 1"));
        }
        let separator = planned
            .get("separator")
            .and_then(Value::as_str)
            .unwrap_or("-");
        let mut words: Vec<&str> = planned
            .get("prefix")
            .and_then(Value::as_str)
            .into_iter()
            .collect();
        words.extend(name(length as usize));
        let mut m = Map::new();
        m.insert("id".into(), Value::String(words.join(separator)));
        Ok(m)
    }
}

/// One word: an animal; two: adjective and animal; more: adverbs before them.
fn name(length: usize) -> Vec<&'static str> {
    let mut rng = rand::thread_rng();
    let mut pick = |list: &[&'static str]| *list.choose(&mut rng).unwrap_or(&"pet");
    let mut words: Vec<&str> = (2..length).map(|_| pick(ADVERBS)).collect();
    if length >= 2 {
        words.push(pick(ADJECTIVES));
    }
    words.push(pick(ANIMALS));
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_come_in_the_order_and_number_asked() {
        let w = name(4);
        assert_eq!(w.len(), 4);
        assert!(ADVERBS.contains(&w[0]) && ADVERBS.contains(&w[1]));
        assert!(ADJECTIVES.contains(&w[2]) && ANIMALS.contains(&w[3]));
        assert!(ANIMALS.contains(&name(1)[0]));
    }
}
