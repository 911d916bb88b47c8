//! A Nomad jobspec's shape: it must parse as HCL and hold one `job "name"` block with at least
//! one `group "name"`, each with at least one `task "name"` that names its `driver` (Nomad
//! refuses a task without one).

use hcl::{Block, Body, Expression};

/// What a jobspec declares, for tests to assert on.
#[derive(Debug, PartialEq)]
pub struct NomadJob {
    pub name: String,
    pub groups: Vec<NomadGroup>,
}

#[derive(Debug, PartialEq)]
pub struct NomadGroup {
    pub name: String,
    pub tasks: Vec<NomadTask>,
}

#[derive(Debug, PartialEq)]
pub struct NomadTask {
    pub name: String,
    pub driver: String,
}

/// Parses a jobspec. Errors name the block they are about (`job "x" > group "y"`).
pub fn parse_hcl(text: &str) -> Result<NomadJob, Vec<String>> {
    let body: Body = hcl::parse(text).map_err(|e| vec![format!("not valid HCL: {e}")])?;
    let jobs: Vec<&Block> = body.blocks().filter(|b| b.identifier() == "job").collect();
    let [job] = jobs.as_slice() else {
        return Err(vec![format!(
            "expected one `job` block, found {}",
            jobs.len()
        )]);
    };
    let mut errors = Vec::new();
    let job_name = label(job, "job", &mut errors);
    let at = format!("job \"{job_name}\"");
    let groups: Vec<NomadGroup> = job
        .body()
        .blocks()
        .filter(|b| b.identifier() == "group")
        .map(|group| {
            let name = label(group, &format!("{at} > group"), &mut errors);
            let at = format!("{at} > group \"{name}\"");
            let tasks: Vec<NomadTask> = group
                .body()
                .blocks()
                .filter(|b| b.identifier() == "task")
                .map(|task| {
                    let name = label(task, &format!("{at} > task"), &mut errors);
                    let driver = driver(task).unwrap_or_else(|| {
                        errors.push(format!("{at} > task \"{name}\": no `driver` string"));
                        String::new()
                    });
                    NomadTask { name, driver }
                })
                .collect();
            if tasks.is_empty() {
                errors.push(format!("{at}: no `task` block"));
            }
            NomadGroup { name, tasks }
        })
        .collect();
    if groups.is_empty() {
        errors.push(format!("{at}: no `group` block"));
    }
    if errors.is_empty() {
        Ok(NomadJob {
            name: job_name,
            groups,
        })
    } else {
        Err(errors)
    }
}

/// A block's single label (`job "web"` → `web`).
fn label(block: &Block, what: &str, errors: &mut Vec<String>) -> String {
    match block.labels() {
        [one] => one.as_str().to_owned(),
        labels => {
            errors.push(format!(
                "{what}: expected one label, found {}",
                labels.len()
            ));
            String::new()
        }
    }
}

fn driver(task: &Block) -> Option<String> {
    task.body()
        .attributes()
        .find(|a| a.key() == "driver")
        .and_then(|a| match a.expr() {
            Expression::String(s) => Some(s.clone()),
            _ => None,
        })
}
