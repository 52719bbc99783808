//! Labelled mentions grouped into distinct prepared records, keeping of each
//! mention only what scoring and the output files need: its record id, source
//! and true entity.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use rustc_hash::FxHashMap;

use super::{LabelledSet, LeftOut};
use crate::model::PersonFacts;
use crate::resolve::ProbabilisticResolver;
use crate::resolve::dedup::{Distinct, DistinctBuilder};
use crate::resolve::parties::CoParties;
use crate::resolve::text_list::TextList;

/// Labelled mentions as distinct prepared records. Mentions are numbered
/// 1, 2, … in input order, as in a [`LabelledSet`].
#[derive(Debug)]
pub struct PreparedSet {
    pub(super) distinct: Distinct,
    record_ids: TextList,
    /// True entity of each mention, numbered.
    pub(super) truth: Vec<u32>,
    /// Source of each mention, numbered.
    pub(super) sources: Vec<u32>,
    pub(super) repaired: usize,
    pub(super) left_out: LeftOut,
    /// Wall time of grouping and preparing the records, in milliseconds.
    pub(super) prepare_ms: f64,
}

impl PreparedSet {
    /// Groups and prepares a labelled set's mentions as `resolver` would.
    pub fn from_labelled(set: &LabelledSet, resolver: &ProbabilisticResolver) -> PreparedSet {
        let started = Instant::now();
        let distinct = resolver.distinct(&set.mentions, &HashSet::new());
        let prepare_ms = started.elapsed().as_secs_f64() * 1000.0;
        let mut record_ids = TextList::default();
        let mut sources = Numbers::default();
        let mut truth = Numbers::default();
        for (mention, entity) in set.mentions.iter().zip(&set.truth) {
            record_ids.push(&mention.record_id);
            sources.push(&mention.source);
            truth.push(entity);
        }
        PreparedSet {
            distinct,
            record_ids,
            truth: truth.of_item,
            sources: sources.of_item,
            repaired: set.repaired,
            left_out: set.left_out,
            prepare_ms,
        }
    }

    /// Returns the number of mentions.
    pub fn mentions(&self) -> usize {
        self.truth.len()
    }

    /// Returns the record id of the mention at `index`.
    pub fn record_id(&self, index: usize) -> &str {
        self.record_ids.get(index)
    }

    /// Returns the number of distinct true entities.
    pub fn true_entities(&self) -> usize {
        let mut seen = vec![false; self.truth.iter().max().map_or(0, |m| *m as usize + 1)];
        for entity in &self.truth {
            seen[*entity as usize] = true;
        }
        seen.into_iter().filter(|s| *s).count()
    }
}

/// Builds a [`PreparedSet`] from mentions given in input order.
pub(super) struct PreparedSetBuilder {
    distinct: DistinctBuilder,
    record_ids: TextList,
    truth: Vec<u32>,
    sources: Numbers,
    prepare: Duration,
    /// The first mention and number of parties of each record version
    /// with more than one.
    versions: Vec<(u32, u32)>,
    /// Whether parties of one version are kept apart, as the resolver does.
    distinct_parties: bool,
}

impl PreparedSetBuilder {
    /// Starts an empty set for `resolver`, grouping and preparing records
    /// as it does.
    pub(super) fn new(resolver: &ProbabilisticResolver) -> PreparedSetBuilder {
        PreparedSetBuilder {
            distinct: DistinctBuilder::new(resolver.collapses_copies()),
            record_ids: TextList::default(),
            truth: Vec::new(),
            sources: Numbers::default(),
            prepare: Duration::ZERO,
            versions: Vec::new(),
            distinct_parties: resolver.config().conflicts.distinct_parties,
        }
    }

    /// Starts a record version of `parties` mentions, which the next calls
    /// to [`PreparedSetBuilder::push_mention`] give.
    pub(super) fn start_version(&mut self, parties: usize) {
        if parties > 1 {
            self.versions
                .push((self.truth.len() as u32, parties as u32));
        }
    }

    /// Reserves room for `mentions` more mentions and `id_bytes` more bytes
    /// of their ids, upper bounds such as the truth rows give, so that the
    /// largest vectors never move. Room reserved and never written costs no
    /// memory, since the operating system maps a page only when it is
    /// first written.
    pub(super) fn reserve(&mut self, mentions: usize, id_bytes: usize) {
        self.distinct.reserve(mentions);
        self.truth.reserve_exact(mentions);
        self.record_ids.reserve(mentions, id_bytes);
        self.sources.of_item.reserve_exact(mentions);
    }

    /// Records the id and true entity number of the next mention; its person
    /// follows in [`PreparedSetBuilder::add_persons`].
    pub(super) fn push_mention(&mut self, record_id: &str, truth: u32) {
        self.record_ids.push(record_id);
        self.truth.push(truth);
    }

    /// Groups and prepares the persons of the mentions pushed since the last
    /// call, all from `source`, in the order they were pushed.
    pub(super) fn add_persons(&mut self, source: &str, persons: &[PersonFacts]) {
        let started = Instant::now();
        self.distinct.add(source, persons);
        self.sources.push_many(source, persons.len());
        self.prepare += started.elapsed();
        debug_assert_eq!(self.distinct.mentions(), self.truth.len());
    }

    /// Returns the set, with the phonetic codes of its records filled in and
    /// `left_out` the count of what loading left out.
    pub(super) fn finish(self, left_out: LeftOut) -> PreparedSet {
        let started = Instant::now();
        let mut distinct = self.distinct.finish();
        if self.distinct_parties {
            let records = distinct.records.len();
            distinct.co_parties = CoParties::of_runs(&self.versions, &distinct.of_mention, records);
        }
        let prepare = self.prepare + started.elapsed();
        PreparedSet {
            distinct,
            record_ids: self.record_ids,
            truth: self.truth,
            sources: self.sources.of_item,
            repaired: 0,
            left_out,
            prepare_ms: prepare.as_secs_f64() * 1000.0,
        }
    }
}

/// Numbers of a sequence of names, each distinct name numbered in order of
/// first appearance.
#[derive(Default)]
struct Numbers {
    numbers: FxHashMap<String, u32>,
    of_item: Vec<u32>,
}

impl Numbers {
    fn push(&mut self, name: &str) {
        self.push_many(name, 1);
    }

    /// Pushes `name` as the next `count` items.
    fn push_many(&mut self, name: &str, count: usize) {
        let next = self.numbers.len() as u32;
        let number = match self.numbers.get(name) {
            Some(number) => *number,
            None => {
                self.numbers.insert(name.to_string(), next);
                next
            }
        };
        self.of_item.extend(std::iter::repeat_n(number, count));
    }
}
