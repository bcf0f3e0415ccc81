//! `mtu workdays add TIME N`: the due time N working days after TIME on the
//! mainland China calendar (holidays and make-up workdays, 调休).

use clap::{Args, Subcommand};
use desk_core::console::workdays::{self, DayKind};

#[derive(Args, Debug)]
pub struct WorkdaysArgs {
    #[command(subcommand)]
    command: WorkdaysCommand,
}

#[derive(Subcommand, Debug)]
enum WorkdaysCommand {
    /// Print, on the first line, the same Beijing clock time on the N-th
    /// working day after TIME's day (RFC 3339, +08:00). Then the days
    /// skipped, and a note when a year has no official data (Monday–Friday
    /// assumed).
    Add {
        /// An RFC 3339 time, e.g. 2025-09-30T10:00:00+08:00.
        time: String,
        /// Working days to add.
        n: u32,
    },
}

pub fn run(args: WorkdaysArgs, json: bool) -> anyhow::Result<()> {
    match args.command {
        WorkdaysCommand::Add { time, n } => {
            let from = workdays::parse_instant(&time)?;
            let due = workdays::due_after(from, n);
            let mut out = String::new();
            if json {
                out = serde_json::to_string(&due)?;
                out.push('\n');
            } else {
                out.push_str(&format!("{}\n", due.due_at));
            }
            for day in due.skipped.iter().filter(|_| !json) {
                let why = match &day.kind {
                    DayKind::Holiday { name } => format!("holiday ({name})"),
                    DayKind::Weekend => "weekend".into(),
                    other => format!("{other:?}"),
                };
                out.push_str(&format!("  skipped {} {why}\n", day.date));
            }
            if let Some(note) = due.note.as_ref().filter(|_| !json) {
                out.push_str(&format!("note: {note}\n"));
            }
            // A closed pipe (`| head -1`) is not an error worth a panic.
            let _ = std::io::Write::write_all(&mut std::io::stdout(), out.as_bytes());
            Ok(())
        }
    }
}
