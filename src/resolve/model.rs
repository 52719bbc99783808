//! The Fellegi–Sunter model: m- and u-probabilities per field level, name
//! term frequencies and the prior, and the match weight of a pair.
//!
//! Weights are in bits: a level adds `log2(m / u)`, and the prior adds
//! `log2(λ / (1 - λ))` where λ is the probability that two random mentions are
//! one person. An exact name match is weighted by how common the name is
//! instead of the average u of the exact level.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::compare::{Comparison, EXACT, FIELD_COUNT, FIELDS, Field, Thresholds};
use super::prepare::Prepared;

/// Probabilities per level of one field; index 0 ("missing") is unused.
pub(crate) type Levels = Vec<f64>;

/// A trained (or default) Fellegi–Sunter model.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Model {
    /// P(level | match) per field.
    pub(crate) m: Vec<Levels>,
    /// P(level | non-match) per field, from random pairs.
    pub(crate) u: Vec<Levels>,
    /// Probability that two random mentions are one person.
    pub(crate) prior: f64,
    /// Share of mentions carrying each given name.
    #[serde(serialize_with = "sorted")]
    pub(crate) given_tf: FxHashMap<String, f64>,
    /// Share of mentions carrying each surname.
    #[serde(serialize_with = "sorted")]
    pub(crate) surname_tf: FxHashMap<String, f64>,
    /// Smallest u used for a term-frequency adjusted exact match.
    pub(crate) tf_floor: f64,
    /// Comparison thresholds the model was trained with.
    pub(crate) thresholds: Thresholds,
    /// Whether the parameters were estimated from data rather than defaults.
    pub(crate) trained: bool,
}

/// Writes a name table in name order, so one model always gives one text.
fn sorted<S: serde::Serializer>(
    table: &FxHashMap<String, f64>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let ordered: std::collections::BTreeMap<&String, &f64> = table.iter().collect();
    serde::Serialize::serialize(&ordered, serializer)
}

/// Weight of one field in one pair.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldWeight {
    /// The field.
    pub field: Field,
    /// Label of the level reached.
    pub level: &'static str,
    /// Weight in bits; 0 for a missing value.
    pub weight: f64,
    /// Whether the weight was adjusted for the name's frequency.
    pub term_frequency: bool,
}

impl Model {
    /// Returns a model with generic default parameters, used when there is too
    /// little data to train and as the starting point of expectation maximization.
    pub fn untrained(thresholds: Thresholds) -> Model {
        Model {
            m: FIELDS.iter().map(|f| default_m(*f)).collect(),
            u: FIELDS.iter().map(|f| default_u(*f)).collect(),
            prior: 1e-4,
            given_tf: FxHashMap::default(),
            surname_tf: FxHashMap::default(),
            tf_floor: 1e-4,
            thresholds,
            trained: false,
        }
    }

    /// Returns whether the parameters were estimated from data.
    pub fn is_trained(&self) -> bool {
        self.trained
    }

    /// Returns the model as the JSON text a store keeps.
    pub fn to_json(&self) -> String {
        // A model holds only numbers, strings and maps with string keys,
        // which JSON always represents.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a model a store kept. Text that does not parse, or a model
    /// whose fields and levels differ from this build's (kept by an older
    /// one), gives an error naming the problem.
    pub fn from_json(text: &str) -> Result<Model, String> {
        let model: Model = serde_json::from_str(text).map_err(|err| err.to_string())?;
        let shape = |levels: &[Levels]| -> Vec<usize> { levels.iter().map(Vec::len).collect() };
        let expected = level_counts().to_vec();
        if shape(&model.m) != expected || shape(&model.u) != expected {
            return Err("its fields and levels differ from this version's".to_string());
        }
        Ok(model)
    }

    /// Returns the prior weight in bits.
    pub fn prior_weight(&self) -> f64 {
        (self.prior / (1.0 - self.prior)).log2()
    }

    /// Returns the total weight of a compared pair, prior included.
    pub(crate) fn weight(&self, a: &Prepared, c: &Comparison) -> f64 {
        let mut total = self.prior_weight();
        for (index, level) in c.levels().iter().enumerate() {
            if *level != 0 {
                total += self.level_weight(index, *level, a);
            }
        }
        total
    }

    /// Returns every field's weight in a compared pair.
    pub(crate) fn field_weights(&self, a: &Prepared, c: &Comparison) -> Vec<FieldWeight> {
        let levels = c.levels();
        FIELDS
            .iter()
            .enumerate()
            .map(|(index, field)| {
                let level = levels[index];
                FieldWeight {
                    field: *field,
                    level: field.levels()[level as usize],
                    weight: if level == 0 {
                        0.0
                    } else {
                        self.level_weight(index, level, a)
                    },
                    term_frequency: level == EXACT && self.tf_value(index, a).is_some(),
                }
            })
            .collect()
    }

    fn level_weight(&self, index: usize, level: u8, a: &Prepared) -> f64 {
        let m = self.m[index][level as usize];
        let u = match (level == EXACT).then(|| self.tf_value(index, a)).flatten() {
            Some(share) => share.max(self.tf_floor),
            None => self.u[index][level as usize],
        };
        (m / u).log2()
    }

    /// The frequency of `a`'s name on an exact name match, when known.
    fn tf_value(&self, index: usize, a: &Prepared) -> Option<f64> {
        match FIELDS[index] {
            Field::Given => self.given_tf.get(a.given()).copied(),
            Field::Surname => self.surname_tf.get(a.surname()).copied(),
            _ => None,
        }
    }
}

/// Converts a weight in bits to a probability.
pub fn probability(weight: f64) -> f64 {
    1.0 / (1.0 + (-weight).exp2())
}

/// Converts a probability to a weight in bits.
pub fn weight_of(probability: f64) -> f64 {
    (probability / (1.0 - probability)).log2()
}

/// Generic m-probabilities: most true matches agree exactly, a few disagree.
fn default_m(field: Field) -> Levels {
    let count = field.levels().len();
    let mut m = vec![0.0; count];
    if count == 3 {
        m[1] = 0.95;
        m[2] = 0.05;
        return m;
    }
    m[1] = 0.85;
    m[count - 1] = 0.03;
    let middle = count - 3;
    for level in m.iter_mut().take(count - 1).skip(2) {
        *level = 0.12 / middle as f64;
    }
    m
}

/// Generic u-probabilities: random pairs rarely agree, least of all on identifiers.
fn default_u(field: Field) -> Levels {
    let exact = match field {
        Field::Sex => 0.5,
        Field::Suffix => 0.3,
        Field::Given | Field::Surname | Field::City => 0.01,
        Field::Unit => 0.05,
        Field::Zip => 0.005,
        Field::Street => 1e-3,
        Field::Dob => 1e-4,
        Field::Phone => 1e-5,
        _ => 1e-6,
    };
    let count = field.levels().len();
    let mut u = vec![0.0; count];
    u[1] = exact;
    let rest = 1.0 - exact;
    let middle = count - 3;
    let near = if middle == 0 { 0.0 } else { 0.02 * rest };
    for level in u.iter_mut().take(count - 1).skip(2) {
        *level = near / middle as f64;
    }
    u[count - 1] = rest - near;
    u
}

/// Ensures every level has at least `floor` probability, keeping the sum at 1.
pub(crate) fn floor_levels(levels: &mut Levels, floor: f64) {
    for p in levels.iter_mut().skip(1) {
        *p = p.max(floor);
    }
    let total: f64 = levels.iter().skip(1).sum();
    for p in levels.iter_mut().skip(1) {
        *p /= total;
    }
}

/// Number of levels per field, in comparison-vector order.
pub(crate) fn level_counts() -> [usize; FIELD_COUNT] {
    FIELDS.map(|f| f.levels().len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_model_reads_back_or_is_refused() {
        let mut model = Model::untrained(Thresholds::default());
        model.given_tf.insert("ROBERT".into(), 0.0123456789);
        model.prior = 1.0 / 3.0;
        let text = model.to_json();
        let read = Model::from_json(&text).expect("reads back");
        assert_eq!(read.to_json(), text, "the same text again");
        assert_eq!(read.prior, model.prior, "floats exactly");

        let mut older = model.clone();
        older.m.pop();
        let refused = Model::from_json(&older.to_json()).err();
        assert_eq!(
            refused.as_deref(),
            Some("its fields and levels differ from this version's")
        );
        assert!(Model::from_json("{").is_err(), "damaged text");
    }
}
