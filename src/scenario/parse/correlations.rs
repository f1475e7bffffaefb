//! `[[correlations]]` (MODEL.md V2.5): which inputs they name, and whether the
//! correlations of each group of linked inputs can hold together.

use super::*;

pub(super) fn root_has_correlations(table: &DeTable) -> bool {
    table
        .iter()
        .any(|(k, _)| k.get_ref().as_ref() == "correlations")
}

/// `[[correlations]]` (MODEL.md V2.5): each names two uncertain inputs drawn once per
/// trial and a rank correlation in (-1, 1); no pair twice; and the matrix of each group
/// of linked inputs must be positive definite, else every correlation of the group is
/// named.
pub(super) fn read_correlations(
    ctx: &mut Ctx,
    tables: Vec<TableReader>,
    demand: &Demand,
    vendors: &[Vendor],
) -> Option<Vec<Correlation>> {
    let mut out: Vec<Option<Correlation>> = Vec::new();
    let mut spans = Vec::new();
    for mut t in tables {
        let entry = t.key_path("");
        let entry = entry.trim_end_matches('.').to_string();
        let span = t.item("between").map(|i| i.span());
        let between = t.texts(ctx, "between");
        let rank = t.f64(
            ctx,
            "rank",
            None,
            Range {
                min: -1.0,
                min_inclusive: false,
                max: 1.0,
                max_inclusive: false,
            },
        );
        t.finish(ctx);
        spans.push((entry.clone(), span.clone()));
        let Some((names, list_span)) = between else {
            out.push(None);
            continue;
        };
        let path = format!("{entry}.between");
        if names.len() != 2 {
            ctx.report(
                Some(list_span),
                &path,
                format!("names {} input(s), must name exactly two", names.len()),
            );
            out.push(None);
            continue;
        }
        let mut ids = Vec::new();
        for (i, (name, name_span)) in names.iter().enumerate() {
            match resolve_input(name, demand, vendors) {
                Ok(id) => ids.push(id),
                Err(why) => ctx.report(Some(name_span.clone()), &format!("{path}[{i}]"), why),
            }
        }
        if ids.len() == 2 && ids[0] == ids[1] {
            ctx.report(
                Some(list_span),
                &path,
                "names the same input twice: an input is always fully correlated with itself",
            );
            out.push(None);
            continue;
        }
        match (ids.as_slice(), rank) {
            (&[a, b], Some(rank)) => out.push(Some(Correlation {
                between: [a, b],
                rank,
            })),
            _ => out.push(None),
        }
    }
    // Each pair at most once, in either order.
    for i in 0..out.len() {
        for j in 0..i {
            if let (Some(a), Some(b)) = (&out[i], &out[j]) {
                let same =
                    |x: [InputId; 2], y: [InputId; 2]| x == y || (x[0] == y[1] && x[1] == y[0]);
                if same(a.between, b.between) {
                    ctx.report(
                        spans[i].1.clone(),
                        &spans[i].0,
                        format!(
                            "repeats the pair of {}: each pair may be correlated once",
                            spans[j].0
                        ),
                    );
                }
            }
        }
    }
    let out: Vec<Correlation> = out.into_iter().collect::<Option<_>>()?;
    // Positive definiteness, group by group of inputs linked by correlations.
    let ids = InputId::all(vendors.len());
    let mut group: Vec<usize> = (0..ids.len()).collect();
    fn root(group: &mut [usize], mut i: usize) -> usize {
        while group[i] != i {
            group[i] = group[group[i]];
            i = group[i];
        }
        i
    }
    for c in &out {
        let (a, b) = (
            root(&mut group, c.between[0].index()),
            root(&mut group, c.between[1].index()),
        );
        group[a] = b;
    }
    let mut checked = Vec::new();
    for c in &out {
        let g = root(&mut group, c.between[0].index());
        if checked.contains(&g) {
            continue;
        }
        checked.push(g);
        let members: Vec<usize> = (0..ids.len())
            .filter(|&i| root(&mut group, i) == g)
            .collect();
        let at = |i: usize| members.iter().position(|&m| m == i).unwrap_or(0);
        let involved: Vec<usize> = (0..out.len())
            .filter(|&k| root(&mut group, out[k].between[0].index()) == g)
            .collect();
        let pairs: Vec<(usize, usize, f64)> = involved
            .iter()
            .map(|&k| {
                (
                    at(out[k].between[0].index()),
                    at(out[k].between[1].index()),
                    out[k].rank,
                )
            })
            .collect();
        if crate::model::copula::Copula::new(members.len(), &pairs).is_err() {
            let names: Vec<&str> = involved.iter().map(|&k| spans[k].0.as_str()).collect();
            ctx.report(
                spans[involved[0]].1.clone(),
                &spans[involved[0]].0,
                format!(
                    "the correlations {} cannot hold together: the matrix they imply (2 sin(pi rank / 6) off the diagonal) is not positive definite; weaken one of them",
                    names.join(", ")
                ),
            );
            return None;
        }
    }
    Some(out)
}

/// The input a `[[correlations]]` key names; it must be drawn once per trial and
/// uncertain.
pub(super) fn resolve_input(
    text: &str,
    demand: &Demand,
    vendors: &[Vendor],
) -> Result<InputId, String> {
    use super::key::{Segment, parse_key};
    let nameable = "name demand.growth_annual or vendors.<name>.attrition_annual, .defect_rate or .price_escalation_annual (a vendor name with a dot or a space in double quotes)";
    let key = parse_key(text).map_err(|why| format!("{why}; {nameable}"))?;
    let id = match key.segments.as_slice() {
        [Segment::Key(t), Segment::Key(f)] if t == "demand" && f == "growth_annual" => {
            InputId::Growth
        }
        [Segment::Key(t), Segment::Key(name), Segment::Key(f)] if t == "vendors" => {
            let v = vendors
                .iter()
                .position(|v| &v.name == name)
                .ok_or_else(|| {
                    format!("{} names no vendor of this file; {nameable}", quoted(name))
                })?;
            match f.as_str() {
                "attrition_annual" => InputId::Attrition(v),
                "defect_rate" => InputId::DefectRate(v),
                "price_escalation_annual" => InputId::Escalation(v),
                _ => {
                    return Err(format!(
                        "{} is not an input drawn once per trial; {nameable}",
                        quoted(text)
                    ));
                }
            }
        }
        _ => {
            return Err(format!(
                "{} is not an input drawn once per trial; {nameable}",
                quoted(text)
            ));
        }
    };
    let sampler = match id {
        InputId::Growth => &demand.growth_annual,
        InputId::Attrition(v) => &vendors[v].attrition_annual,
        InputId::DefectRate(v) => &vendors[v].defect_rate,
        InputId::Escalation(v) => &vendors[v].price_escalation_annual,
    };
    if !sampler.dist().is_uncertain() {
        return Err(format!(
            "{} is a plain number: only uncertain inputs (a table with dist) can be correlated",
            quoted(text)
        ));
    }
    Ok(id)
}
