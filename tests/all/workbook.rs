//! `results.xlsx`, read back with a reader outsim did not write (calamine): its sheets,
//! Summary, Pairs and Monthly cell for cell equal to the CSVs, formula-like names as
//! text and no formula anywhere, and `--no-xlsx`.

use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};

use crate::common::{outsim, reference, run, stderr};
use outsim::output::xlsx;
use outsim::scenario::Scenario;

type Book = Xlsx<Cursor<Vec<u8>>>;

fn open(bytes: Vec<u8>) -> Book {
    open_workbook_from_rs(Cursor::new(bytes)).expect("calamine opens results.xlsx")
}

/// The rows of a sheet, header first.
fn sheet(book: &mut Book, name: &str) -> Vec<Vec<Data>> {
    let range = book
        .worksheet_range(name)
        .unwrap_or_else(|e| panic!("sheet {name}: {e}"));
    range.rows().map(<[Data]>::to_vec).collect()
}

/// The records of a CSV file, header first.
fn csv_records(path: &Path) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    reader
        .records()
        .map(|r| {
            r.expect("a CSV record")
                .iter()
                .map(str::to_string)
                .collect()
        })
        .collect()
}

/// Whether a workbook cell holds what a CSV cell says: the same `f64` to the bit, the
/// same text, the same yes/no, or nothing for an empty cell.
fn same(cell: &Data, text: &str) -> bool {
    match cell {
        Data::Empty => text.is_empty(),
        Data::Float(x) => text
            .parse::<f64>()
            .is_ok_and(|y| y.to_bits() == x.to_bits()),
        Data::Int(i) => text.parse::<i64>().is_ok_and(|y| y == *i),
        Data::Bool(b) => text == b.to_string(),
        Data::String(s) => s == text,
        _ => false,
    }
}

/// Every cell of `sheet` equals the same cell of `csv`, header included.
fn assert_sheet_equals_csv(book: &mut Book, name: &str, csv: &Path) {
    let rows = sheet(book, name);
    let records = csv_records(csv);
    assert_eq!(rows.len(), records.len(), "{name}: rows");
    for (r, (row, record)) in rows.iter().zip(&records).enumerate() {
        assert_eq!(row.len(), record.len(), "{name}: row {r} width");
        for (c, (cell, text)) in row.iter().zip(record).enumerate() {
            assert!(
                same(cell, text),
                "{name} row {r} column {} ({}): workbook {cell:?}, CSV {text:?}",
                c,
                records[0][c]
            );
        }
    }
}

#[test]
fn the_workbook_holds_the_csv_tables_cell_for_cell() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = reference("r2_dual_source.toml");
    let file = file.to_str().expect("a UTF-8 path");
    let out = outsim(
        dir.path(),
        &[
            "run",
            file,
            "--trials",
            "300",
            "--out",
            "out",
            "--no-charts",
            "--quiet",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let folder = dir.path().join("out/r2_dual_source");
    let bytes = std::fs::read(folder.join("results.xlsx")).expect("results.xlsx is written");
    let mut book = open(bytes);
    let names = book.sheet_names();
    for wanted in [
        xlsx::SUMMARY,
        xlsx::RECOMMENDATION,
        xlsx::PAIRS,
        xlsx::MONTHLY,
        xlsx::ASSUMPTIONS,
        xlsx::COST_CURVE,
    ] {
        assert!(names.iter().any(|n| n == wanted), "{wanted} in {names:?}");
    }
    assert_eq!(names[0], xlsx::SUMMARY, "Summary opens first");
    assert_sheet_equals_csv(&mut book, xlsx::SUMMARY, &folder.join("summary.csv"));
    assert_sheet_equals_csv(&mut book, xlsx::PAIRS, &folder.join("pairs.csv"));
    assert_sheet_equals_csv(&mut book, xlsx::MONTHLY, &folder.join("monthly.csv"));

    // The S-curve's data block: every percentile of every strategy, rising.
    let curve = sheet(&mut book, xlsx::COST_CURVE);
    assert_eq!(curve.len(), 1 + 101);
    let strategies = csv_records(&folder.join("summary.csv")).len() - 1;
    assert_eq!(curve[0].len(), 1 + strategies);
    for s in 1..=strategies {
        let costs: Vec<f64> = curve[1..]
            .iter()
            .map(|row| match row[s] {
                Data::Float(x) => x,
                ref other => panic!("cost cell {other:?}"),
            })
            .collect();
        assert!(costs.windows(2).all(|w| w[0] <= w[1]), "{costs:?}");
    }

    let assumptions = sheet(&mut book, xlsx::ASSUMPTIONS);
    let value = |key: &str| {
        assumptions
            .iter()
            .find(|row| row.get(1).is_some_and(|c| *c == Data::String(key.into())))
            .and_then(|row| row.get(2).cloned())
    };
    assert_eq!(value("trials"), Some(Data::Float(300.0)));
    assert_eq!(value("seed"), Some(Data::String("2".into())));
    assert_eq!(value("discount_rate_annual"), Some(Data::Float(0.08)));
    assert_eq!(
        value("Offshore.rate_per_fte_month"),
        Some(Data::Float(1500.0))
    );
    assert_eq!(
        value("Offshore.attrition_annual"),
        Some(Data::String("triangular(0.3, 0.4, 0.6)".into()))
    );
}

#[test]
fn no_xlsx_skips_the_workbook() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = reference("r1_single_vendor.toml");
    let file = file.to_str().expect("a UTF-8 path");
    let out = outsim(
        dir.path(),
        &[
            "run",
            file,
            "--trials",
            "50",
            "--out",
            "out",
            "--no-charts",
            "--no-xlsx",
            "--quiet",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let folder = dir.path().join("out/r1_single_vendor");
    assert!(folder.join("summary.csv").is_file());
    assert!(!folder.join("results.xlsx").exists());
}

/// Names a spreadsheet would run as formulas, given to r1's two strategies.
const HOSTILE: [&str; 2] = ["=HYPERLINK(\"http://example.com\",\"x\")", "-2+3"];

#[test]
fn a_formula_like_strategy_name_lands_as_text() {
    let base = std::fs::read_to_string(reference("r1_single_vendor.toml")).expect("read");
    let text = base
        .replacen(
            "name = \"Lean\"",
            "name = '=HYPERLINK(\"http://example.com\",\"x\")'",
            1,
        )
        .replacen("name = \"Buffered and protected\"", "name = \"-2+3\"", 1);
    assert_eq!(
        text.matches("HYPERLINK").count(),
        1,
        "r1's strategies were renamed"
    );
    assert!(text.contains("\"-2+3\""), "r1's strategies were renamed");
    let scenario = Scenario::from_toml_str(&text, Path::new("hostile.toml"))
        .unwrap_or_else(|e| panic!("{e}\n{text}"));
    let results = run(&scenario, 64, 1);
    let bytes = xlsx::workbook(&scenario, &results).expect("a workbook");
    let mut book = open(bytes);

    let summary = sheet(&mut book, xlsx::SUMMARY);
    let curve = sheet(&mut book, xlsx::COST_CURVE);
    let pairs = sheet(&mut book, xlsx::PAIRS);
    for name in HOSTILE {
        let neutral = Data::String(format!("'{name}"));
        assert!(
            summary[1..].iter().any(|row| row[0] == neutral),
            "Summary lacks {neutral:?}"
        );
        assert!(curve[0].contains(&neutral), "Cost curve lacks {neutral:?}");
        assert!(
            pairs[1..].iter().any(|row| row[0] == neutral),
            "Pairs lacks {neutral:?}"
        );
    }
    for name in book.sheet_names() {
        let formulas = book
            .worksheet_formula(&name)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            formulas.used_cells().all(|(_, _, f)| f.is_empty()),
            "{name} holds a formula"
        );
    }
}

/// More strategies than Excel's sheets hold (1025 strategies make 1,049,600 ordered
/// pairs): refused before simulating, with the way around it, and nothing written.
#[test]
fn a_workbook_too_large_for_excel_is_refused_before_the_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let base = std::fs::read_to_string(reference("r1_single_vendor.toml")).expect("read");
    let cut = base.find("[[strategies]]").expect("strategies");
    let end = base.find("[objectives]").expect("objectives");
    let strategies: String = (0..1025)
        .map(|i| {
            format!(
                "[[strategies]]\nname = \"S{i}\"\nallocation = [{{ vendor = \"Vendor\", share = 1.0 }}]\n\n"
            )
        })
        .collect();
    let text = format!("{}{strategies}{}", &base[..cut], &base[end..]);
    std::fs::write(dir.path().join("wide.toml"), text).expect("write");
    let out = outsim(
        dir.path(),
        &[
            "run",
            "wide.toml",
            "--trials",
            "1",
            "--out",
            "out",
            "--no-charts",
            "--no-trials-file",
            "--quiet",
        ],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("Pairs") && err.contains("--no-xlsx"), "{err}");
    assert!(!dir.path().join("out/wide").exists(), "nothing is written");
}
