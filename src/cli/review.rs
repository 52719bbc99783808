//! `ciss review`: the queue of possible matches, reviewers' decisions on it,
//! and their history. Records are named `SOURCE:RECORD_ID`, with `#PARTY`
//! (from 1) when the record names more than one person.

use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Subcommand};

use super::{print_resolve, printable};
use crate::config::{OpenMode, Settings};
use crate::graph::DecisionKind;
use crate::resolve::{Decision, default_resolver};
use crate::review::{DecisionOutcome, LapsedConfirmation, PairExplanation, Review};

/// Format of printed times, which are UTC.
const TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S UTC";

/// Who decided and why; both are stored with the decision.
#[derive(Debug, Args)]
pub(super) struct Reviewer {
    /// Reviewer's name, stored with the decision.
    #[arg(long = "by", value_name = "NAME")]
    by: String,
    /// Why, stored with the decision.
    #[arg(long, value_name = "TEXT")]
    reason: String,
}

#[derive(Debug, Subcommand)]
pub(super) enum ReviewCommand {
    /// List possible matches waiting for review, most probable first.
    List {
        /// Show at most this many pairs (at least 1).
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..))]
        limit: u64,
    },
    /// Confirm that two records name one person; they stay in one entity.
    Confirm {
        /// First record, SOURCE:RECORD_ID[#PARTY].
        a: String,
        /// Second record.
        b: String,
        #[command(flatten)]
        reviewer: Reviewer,
    },
    /// Reject a pair; the two records never share an entity again.
    Reject {
        /// First record, SOURCE:RECORD_ID[#PARTY].
        a: String,
        /// Second record.
        b: String,
        #[command(flatten)]
        reviewer: Reviewer,
    },
    /// Take records out of their entity (undo a wrong merge); they are
    /// remembered as rejected against the rest of it.
    Split {
        /// Records to take out, all from one entity.
        #[arg(required = true)]
        records: Vec<String>,
        #[command(flatten)]
        reviewer: Reviewer,
    },
    /// Show why the resolver scores two records as it does, field by field.
    Explain {
        /// First record, SOURCE:RECORD_ID[#PARTY].
        a: String,
        /// Second record.
        b: String,
    },
    /// List every decision, oldest first, with who, when and why.
    History,
}

/// Runs `ciss review`.
pub(super) async fn run(settings: &Settings, command: ReviewCommand) -> anyhow::Result<ExitCode> {
    // Review reads and decides on stored records, so a mistyped store path
    // is an error rather than a new, empty store.
    let store = settings.open_store_with(OpenMode::Existing).await?;
    let review = Review::new(store, Arc::new(default_resolver()));
    match command {
        ReviewCommand::List { limit } => {
            let queue = review.queue().await?;
            let limit = usize::try_from(limit).unwrap_or(usize::MAX);
            for pair in queue.iter().take(limit) {
                outln!(
                    "{:.4}  {}  {}  queued {}",
                    pair.probability,
                    printable(&pair.a.to_string()),
                    printable(&pair.b.to_string()),
                    pair.queued_at.format(TIME_FORMAT)
                );
            }
            outln!("{} possible matches waiting for review", queue.len());
            let lapsed = review.lapsed_confirmations().await?;
            for l in &lapsed {
                outln!("{}", describe_lapsed(l));
            }
            if !lapsed.is_empty() {
                outln!("{} confirmations no longer hold", lapsed.len());
            }
        }
        ReviewCommand::Confirm { a, b, reviewer } => {
            print_outcome(
                &review
                    .confirm(&a, &b, &reviewer.by, &reviewer.reason)
                    .await?,
            );
        }
        ReviewCommand::Reject { a, b, reviewer } => {
            print_outcome(
                &review
                    .reject(&a, &b, &reviewer.by, &reviewer.reason)
                    .await?,
            );
        }
        ReviewCommand::Split { records, reviewer } => {
            print_outcome(
                &review
                    .split(&records, &reviewer.by, &reviewer.reason)
                    .await?,
            );
        }
        ReviewCommand::Explain { a, b } => print_explanation(&review.explain(&a, &b).await?),
        ReviewCommand::History => {
            let decisions = review.history().await?;
            for d in &decisions {
                let records: Vec<String> = d
                    .records
                    .iter()
                    .map(|r| printable(&r.to_string()))
                    .collect();
                outln!(
                    "#{} {} {} by {}: {}\n    {}",
                    d.id,
                    d.decided_at.format(TIME_FORMAT),
                    d.kind.as_str(),
                    printable(&d.who),
                    records.join(" "),
                    printable(&d.why)
                );
            }
            outln!("{} decisions", decisions.len());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_outcome(outcome: &DecisionOutcome) {
    let d = &outcome.decision;
    let pairs = d.pairs.len();
    let noun = if pairs == 1 { "pair" } else { "pairs" };
    outln!(
        "decision #{} ({}) stored; {pairs} {noun} constrained",
        d.id,
        d.kind.as_str(),
    );
    if let Some((id, kind)) = &outcome.overrides {
        outln!(
            "overrides decision #{id} ({}) on this pair; its other pairs still hold, \
             so these records may now be apart from records they shared an entity with",
            kind.as_str()
        );
    }
    print_resolve(&outcome.resolution);
    for (reference, entity) in &outcome.entities {
        let entity = entity.map_or("unresolved".to_string(), |e| format!("entity {e}"));
        outln!("  {}: {entity}", printable(&reference.to_string()));
    }
    if !outcome.moved.is_empty() {
        let count = outcome.moved.len();
        let noun = if count == 1 { "record" } else { "records" };
        outln!("{count} other {noun} no longer in one entity with a named record:");
    }
    for (reference, was, now) in &outcome.moved {
        let reference = printable(&reference.to_string());
        match now {
            Some(now) if now == was => {
                outln!("  {reference}: stays in entity {was}, which a named record left")
            }
            Some(now) => outln!("  {reference}: entity {was} -> entity {now}"),
            None => outln!("  {reference}: entity {was} -> unresolved"),
        }
    }
}

/// Describes a confirmation that no longer holds, and what a reviewer can
/// do about it.
fn describe_lapsed(l: &LapsedConfirmation) -> String {
    let (a, b) = (printable(&l.a.to_string()), printable(&l.b.to_string()));
    let id = l.decision.id;
    match l.entities {
        (Some(x), Some(y)) => format!(
            "#{id} confirmed {a} and {b}, now in entities {x} and {y}; confirm again to bind \
             the current versions, or reject"
        ),
        (x, y) => {
            let missing = if x.is_none() { &a } else { &b };
            let found = match (x, y) {
                (Some(e), None) => format!(" ({a} is in entity {e})"),
                (None, Some(e)) => format!(" ({b} is in entity {e})"),
                _ => String::new(),
            };
            format!(
                "#{id} confirmed {a} and {b}, but the current version of {missing} no longer \
                 names that person{found}; confirm the record that names them now, or reject"
            )
        }
    }
}

/// Prints the resolver's score of a pair, then every reviewer decision on it
/// and where its records stand now, because a decision overrides the score.
fn print_explanation(explanation: &PairExplanation) {
    out!("{}", explanation.score);
    if explanation.decisions.is_empty() {
        outln!("reviewed: no reviewer decision names this pair");
    }
    let in_force = explanation.decisions.last().map(|d| d.id);
    for decision in &explanation.decisions {
        let mut overridden = match in_force {
            Some(id) if id != decision.id => format!(", overridden by #{id}"),
            _ => String::new(),
        };
        if explanation.unbound.contains(&decision.id) {
            overridden.push_str(", which does not bind these records as they are now");
        }
        outln!(
            "reviewed: {} by {} at {} (decision #{}{overridden}): {}",
            decision_verb(decision.kind),
            printable(&decision.who),
            decision.decided_at.format(TIME_FORMAT),
            decision.id,
            printable(&decision.why)
        );
    }
    if explanation.unhonoured {
        outln!(
            "the confirmation is not honoured: other decisions keep records linked to one of them apart from the other; see `ciss review history`"
        );
    } else if explanation.lapsed {
        outln!(
            "the confirmation no longer holds: a later version of one record names another \
             person, lists the confirmed person at another position, or conflicts with the \
             other record; confirm the pair again to bind the versions stored now, or reject it"
        );
    }
    outln!("{}", describe_entities(explanation));
}

fn decision_verb(kind: DecisionKind) -> &'static str {
    match kind {
        DecisionKind::Confirm => "confirmed as one person",
        DecisionKind::Reject => "rejected as two people",
        DecisionKind::Split => "split apart",
    }
}

/// Describes whether the pair's records share an entity now.
fn describe_entities(explanation: &PairExplanation) -> String {
    let unresolved = |reference: &crate::graph::PartyRef| {
        format!(
            "entities: {} is not resolved yet; run `ciss resolve`",
            printable(&reference.to_string())
        )
    };
    let score = &explanation.score;
    let kept_apart = score.decision == Decision::Match && score.conflict.is_none();
    match explanation.entities {
        (Some(a), Some(b)) if a == b => format!("entities: both in entity {a}"),
        (Some(a), Some(b)) if kept_apart && explanation.decisions.is_empty() => format!(
            "entities: {a} and {b}, not linked: clustering kept them apart, because another \
             record of one entity conflicts with the other, or one record fits two people \
             equally well (then the pair is in `ciss review list`)"
        ),
        (Some(a), Some(b)) => format!("entities: {a} and {b}, not linked"),
        (None, _) => unresolved(&explanation.a),
        (_, None) => unresolved(&explanation.b),
    }
}
