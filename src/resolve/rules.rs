//! The deterministic resolver: two mentions are one person when they share a
//! strong identifier, or the same normalized surname, given name and date of birth.

use std::collections::HashMap;

use petgraph::unionfind::UnionFind;

use super::{Clustering, Resolver};
use crate::graph::{EntityId, Mention};

/// Links mentions that share a state id, FBI number, licence, inmate number or
/// registry id, or that agree exactly on normalized surname, given name and DOB.
#[derive(Debug, Clone, Copy, Default)]
pub struct RuleResolver;

impl Resolver for RuleResolver {
    fn cluster(&self, mentions: &[Mention]) -> Clustering {
        let mut sets = UnionFind::<usize>::new(mentions.len());
        let mut first_seen: HashMap<(&'static str, String), usize> = HashMap::new();
        let mut clustering = Clustering::default();
        for (index, mention) in mentions.iter().enumerate() {
            for (rule, key) in link_keys(mention) {
                match first_seen.get(&(rule, key.clone())) {
                    Some(&other) => {
                        if sets.union(other, index) {
                            *clustering.links_by_rule.entry(rule).or_default() += 1;
                        }
                    }
                    None => {
                        first_seen.insert((rule, key), index);
                    }
                }
            }
        }
        clustering.assignment = assign_ids(mentions, &sets);
        clustering
    }
}

fn link_keys(mention: &Mention) -> Vec<(&'static str, String)> {
    let person = &mention.person;
    let ids = &person.ids;
    let mut keys: Vec<(&'static str, String)> = [
        ("state_id", &ids.state_id),
        ("fbi", &ids.fbi),
        ("licence", &ids.licence),
        ("inmate", &ids.inmate),
        ("sor_id", &ids.sor_id),
    ]
    .into_iter()
    .filter_map(|(rule, value)| value.clone().map(|v| (rule, v)))
    .collect();
    if let (Some(name), Some(dob)) = (&person.name, person.dob) {
        keys.push((
            "name_dob",
            format!("{}|{}|{}", name.surname, name.given, dob.date()),
        ));
    }
    keys
}

/// Names each cluster after its smallest mention id.
fn assign_ids(mentions: &[Mention], sets: &UnionFind<usize>) -> Vec<(i64, EntityId)> {
    let mut smallest: HashMap<usize, i64> = HashMap::new();
    for (index, mention) in mentions.iter().enumerate() {
        let root = sets.find(index);
        let entry = smallest.entry(root).or_insert(mention.id);
        *entry = (*entry).min(mention.id);
    }
    mentions
        .iter()
        .enumerate()
        .map(|(index, mention)| (mention.id, smallest[&sets.find(index)]))
        .collect()
}
