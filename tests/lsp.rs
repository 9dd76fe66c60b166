//! `journey lsp` driven from start to end as an editor drives it: a real process, the protocol's
//! framed JSON over its stdin and stdout, every answer checked. Waits are bounded; the server is
//! killed when the test ends, passed or failed.

use crate::support::Scratch;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

struct Client {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    next_id: i64,
    /// Notifications that arrived while waiting for a response.
    notifications: Vec<Value>,
}

impl Client {
    fn start(scratch: &Scratch) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_journey"))
            .args(["lsp", "--stdio"])
            // The explanations the server writes out go to the test's folder.
            .env("TMPDIR", scratch.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("journey lsp starts");
        let stdin = child.stdin.take().unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let (tx, messages) = channel();
        std::thread::spawn(move || loop {
            let mut length = None;
            loop {
                let mut line = String::new();
                if out.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some(n) = line.strip_prefix("Content-Length: ") {
                    length = n.parse::<usize>().ok();
                }
            }
            let mut body = vec![0; length.expect("a Content-Length header")];
            if out.read_exact(&mut body).is_err() {
                return;
            }
            if tx
                .send(serde_json::from_slice(&body).expect("JSON"))
                .is_err()
            {
                return;
            }
        });
        Client {
            child,
            stdin,
            messages,
            next_id: 0,
            notifications: Vec::new(),
        }
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The whole response to a request.
    fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let m = self
                .messages
                .recv_timeout(WAIT)
                .unwrap_or_else(|_| panic!("no answer to {method} within {WAIT:?}"));
            if m["id"] == json!(id) {
                return m;
            }
            self.notifications.push(m);
        }
    }

    /// A request's result; an error response fails the test.
    fn request(&mut self, method: &str, params: Value) -> Value {
        let r = self.call(method, params);
        assert!(r.get("error").is_none(), "{method} failed: {r}");
        r["result"].clone()
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        let is_ours = |m: &Value| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
        };
        if let Some(i) = self.notifications.iter().position(is_ours) {
            let m = self.notifications.remove(i);
            return m["params"]["diagnostics"].as_array().unwrap().clone();
        }
        loop {
            let m = self
                .messages
                .recv_timeout(WAIT)
                .unwrap_or_else(|_| panic!("no diagnostics for {uri} within {WAIT:?}"));
            if is_ours(&m) {
                return m["params"]["diagnostics"].as_array().unwrap().clone();
            }
            self.notifications.push(m);
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn at(line: u32, character: u32) -> Value {
    json!({"line": line, "character": character})
}

/// The position of the `n`th (from 0) occurrence of `needle` in `text`, plus `plus` characters.
fn find(text: &str, needle: &str, n: usize, plus: u32) -> Value {
    let offset = text
        .match_indices(needle)
        .nth(n)
        .expect("the needle is there")
        .0;
    let line = text[..offset].matches('\n').count() as u32;
    let column = (offset - text[..offset].rfind('\n').map_or(0, |i| i + 1)) as u32;
    at(line, column + plus)
}

const BROKEN: &str = r#"journey "Loan" {
  within 30 days
  exclude when submitted form "unsubscribe" between stage 1 and stage "Requsted"
  by utm_source from stage "Requested"

  stage "Visited" { when visited page "/a" }
  stage "Requested" {
    kpi 50
    when submitted form "loan"
  }
}
"#;

/// BROKEN with the reference spelled right.
fn fixed() -> String {
    BROKEN.replace("\"Requsted\"", "\"Requested\"")
}

#[test]
fn an_editor_session_from_start_to_end() {
    let scratch = Scratch::new("lsp", "session");
    std::fs::write(
        scratch.join("journey.toml"),
        "[types]\nutm_source = \"text\"\n",
    )
    .unwrap();
    let path = scratch.join("loan.journey");
    std::fs::write(&path, BROKEN).unwrap();
    let uri = format!("file://{}", path.display());
    let doc = json!({"uri": uri});
    let fixed = fixed();
    let fixed = fixed.as_str();
    let mut lsp = Client::start(&scratch);

    let init = lsp.request(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {}}),
    );
    let caps = &init["capabilities"];
    for c in [
        "hoverProvider",
        "completionProvider",
        "definitionProvider",
        "referencesProvider",
        "renameProvider",
        "documentFormattingProvider",
        "documentSymbolProvider",
        "foldingRangeProvider",
    ] {
        assert!(!caps[c].is_null(), "{c} missing from {caps}");
    }
    lsp.notify("initialized", json!({}));

    // A misspelled stage reference: the checker's code, range, help, related label and link.
    lsp.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "journey", "version": 1, "text": BROKEN}}),
    );
    let diags = lsp.diagnostics(&uri);
    assert_eq!(diags.len(), 1, "{diags:?}");
    let d = &diags[0];
    assert_eq!(d["code"], "J1002", "{d}");
    assert_eq!(d["severity"], 1);
    assert_eq!(d["source"], "journey");
    assert_eq!(
        d["range"]["start"],
        find(BROKEN, "stage \"Requsted\"", 0, 0),
        "{d}"
    );
    assert_eq!(d["range"]["end"], find(BROKEN, "Requsted\"", 0, 9), "{d}");
    let message = d["message"].as_str().unwrap();
    assert!(
        message.contains("Requested"),
        "the help names the stage: {message}"
    );
    let explanation = d["codeDescription"]["href"].as_str().unwrap();
    let page = std::fs::read_to_string(explanation.strip_prefix("file://").unwrap()).unwrap();
    assert!(page.starts_with("# J1002"), "{page}");

    // Hover over the diagnostic gives its explanation; over a keyword, the reference's words.
    let hover = lsp.request(
        "textDocument/hover",
        json!({"textDocument": doc, "position": find(BROKEN, "Requsted", 0, 2)}),
    );
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("J1002"),
        "{hover}"
    );
    let hover = lsp.request(
        "textDocument/hover",
        json!({"textDocument": doc, "position": find(BROKEN, "kpi", 0, 1)}),
    );
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("target number of contacts"),
        "{hover}"
    );

    // Fixed: no diagnostics.
    lsp.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": fixed}]}),
    );
    assert_eq!(lsp.diagnostics(&uri), Vec::<Value>::new());

    // A reference's stage on hover; go to definition; find references; rename.
    let reference = find(fixed, "stage \"Requested\"", 0, 8);
    let hover = lsp.request(
        "textDocument/hover",
        json!({"textDocument": doc, "position": reference}),
    );
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("stage 2 of journey \"Loan\""),
        "{hover}"
    );
    let definition = lsp.request(
        "textDocument/definition",
        json!({"textDocument": doc, "position": reference}),
    );
    assert_eq!(definition["uri"], uri);
    assert_eq!(
        definition["range"]["start"],
        find(fixed, "\"Requested\" {", 0, 0)
    );
    let refs = lsp.request(
        "textDocument/references",
        json!({"textDocument": doc, "position": find(fixed, "\"Visited\"", 0, 1),
               "context": {"includeDeclaration": true}}),
    );
    let starts: Vec<&Value> = refs
        .as_array()
        .unwrap()
        .iter()
        .map(|l| &l["range"]["start"])
        .collect();
    assert_eq!(
        starts,
        [
            &find(fixed, "\"Visited\"", 0, 0),
            &find(fixed, "stage 1", 0, 0)
        ],
        "the declaration, then `stage 1`"
    );
    let prepared = lsp.request(
        "textDocument/prepareRename",
        json!({"textDocument": doc, "position": reference}),
    );
    assert_eq!(prepared["start"], find(fixed, "\"Requested\"\n", 0, 0));
    let edit = lsp.request(
        "textDocument/rename",
        json!({"textDocument": doc, "position": reference, "newName": "Asked for \"the\" loan"}),
    );
    let edits = edit["changes"][&uri].as_array().unwrap();
    assert_eq!(
        edits.len(),
        3,
        "the declaration and the references by name (the exclusion's, the breakdown's): {edits:?}"
    );
    assert!(
        edits
            .iter()
            .all(|e| e["newText"] == "\"Asked for \\\"the\\\" loan\""),
        "{edits:?}"
    );
    let missing = lsp.call(
        "textDocument/rename",
        json!({"textDocument": doc, "position": at(1, 3), "newName": "x"}),
    );
    assert!(missing["error"]["message"]
        .as_str()
        .unwrap()
        .contains("no stage here"));

    // Completion: options in a stage body, units, segments, columns, stage names.
    let typing = fixed.replace("    kpi 50\n", "    kpi 50\n    se\n");
    lsp.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": typing}]}),
    );
    lsp.diagnostics(&uri);
    let labels = |lsp: &mut Client, position: Value| -> Vec<String> {
        let r = lsp.request(
            "textDocument/completion",
            json!({"textDocument": doc, "position": position}),
        );
        r.as_array()
            .unwrap()
            .iter()
            .map(|i| i["label"].as_str().unwrap().to_string())
            .collect()
    };
    let options = labels(&mut lsp, find(&typing, "    se\n", 0, 6));
    for o in ["segment", "when", "within", "optional", "kpi"] {
        assert!(
            options.contains(&o.to_string()),
            "{o} not offered in a stage: {options:?}"
        );
    }
    assert!(
        !options.contains(&"visited page".to_string()),
        "{options:?}"
    );

    let cases = [
        (
            "  within 30 days\n",
            "  within 30 \n",
            "  within 30 ",
            "days",
        ),
        (
            "    kpi 50\n",
            "    kpi 50\n    segment \n",
            "    segment ",
            "target-group",
        ),
        ("\"/a\" }", "\"/a\" where  }", "where ", "utm_source"),
        ("\"/a\" }", "\"/a\" where  }", "where ", "url"),
        (
            "\"/a\" }",
            "\"/a\" where url  }",
            "where url ",
            "starts with",
        ),
        (
            "    when submitted",
            "    when \n    when submitted",
            "    when ",
            "clicked link in email",
        ),
    ];
    for (version, (from, to, before, wanted)) in (4..).zip(cases) {
        let text = fixed.replacen(from, to, 1);
        lsp.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
        );
        lsp.diagnostics(&uri);
        let offered = labels(&mut lsp, find(&text, before, 0, before.len() as u32));
        assert!(
            offered.contains(&wanted.to_string()),
            "{wanted} not offered after {before:?}: {offered:?}"
        );
    }
    let text = fixed.replace("stage \"Requested\"\n", "stage \"\n");
    lsp.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 20}, "contentChanges": [{"text": text}]}),
    );
    lsp.diagnostics(&uri);
    let names = labels(&mut lsp, find(&text, "stage \"\n", 0, 7));
    assert_eq!(
        names,
        ["Visited", "Requested"],
        "stage names in a reference"
    );

    // Formatting, the outline and folding of a badly laid out file.
    let messy = "journey   \"Loan\" {\nstage \"Visited\" {\nwhen visited page \"/a\"\n}\n}\n";
    lsp.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 21}, "contentChanges": [{"text": messy}]}),
    );
    assert_eq!(lsp.diagnostics(&uri), Vec::<Value>::new());
    let edits = lsp.request(
        "textDocument/formatting",
        json!({"textDocument": doc, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    let formatted = journey::fmt::format_source(messy).unwrap();
    assert_eq!(edits.as_array().unwrap().len(), 1);
    assert_eq!(edits[0]["newText"], formatted);
    assert_eq!(edits[0]["range"]["start"], at(0, 0));
    assert_eq!(edits[0]["range"]["end"], at(5, 0));
    let symbols = lsp.request("textDocument/documentSymbol", json!({"textDocument": doc}));
    assert_eq!(symbols[0]["name"], "Loan");
    assert_eq!(symbols[0]["children"][0]["name"], "Visited");
    assert_eq!(symbols[0]["children"][0]["detail"], "stage 1");
    let folds = lsp.request("textDocument/foldingRange", json!({"textDocument": doc}));
    let lines: Vec<(u64, u64)> = folds
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["startLine"].as_u64().unwrap(),
                f["endLine"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(lines, [(0, 4), (1, 3)]);

    // A syntax error: its code, and the server still answers.
    lsp.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 22}, "contentChanges": [{"text": "journey \"x\" {\n  kpl 5\n"}]}),
    );
    let diags = lsp.diagnostics(&uri);
    assert!(
        diags
            .iter()
            .any(|d| d["code"].as_str().unwrap().starts_with("J0")),
        "{diags:?}"
    );
    lsp.request(
        "textDocument/hover",
        json!({"textDocument": doc, "position": at(1, 3)}),
    );

    lsp.request("shutdown", Value::Null);
    lsp.notify("exit", Value::Null);
    let status = wait(&mut lsp.child);
    assert!(
        status.success(),
        "journey lsp exits 0 after shutdown and exit"
    );
}

/// Wait for the server to end, at most `WAIT`.
fn wait(child: &mut Child) -> std::process::ExitStatus {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "journey lsp did not exit"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn garbage_and_broken_files_never_stop_the_server() {
    let scratch = Scratch::new("lsp", "garbage");
    let mut lsp = Client::start(&scratch);
    lsp.request(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {}}),
    );
    lsp.notify("initialized", json!({}));
    let uri = "file:///nowhere/x.journey";
    let texts = [
        "",
        "journey",
        "journey \"",
        "\u{0}\u{ffff}{{{{\"\"\"",
        "journey \"a\" { stage \"b\" { when visited page \"/x\" where url matches \"(\" } }",
        &"journey \"a\" { stage \"b\" { when (((((((".repeat(50),
    ];
    for (version, text) in texts.iter().enumerate() {
        lsp.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "journey", "version": version, "text": text}}),
        );
        lsp.diagnostics(uri);
        let end = at(text.matches('\n').count() as u32, 400);
        for method in [
            "textDocument/hover",
            "textDocument/completion",
            "textDocument/definition",
        ] {
            let r = lsp.call(
                method,
                json!({"textDocument": {"uri": uri}, "position": end}),
            );
            assert!(r.get("error").is_none(), "{method} on {text:?}: {r}");
        }
    }
    // A request for a document never opened, and an unknown method: errors, not a crash.
    let r = lsp.call(
        "textDocument/hover",
        json!({"textDocument": {"uri": "file:///other.journey"}, "position": at(0, 0)}),
    );
    assert!(
        r["error"]["message"].as_str().unwrap().contains("not open"),
        "{r}"
    );
    let r = lsp.call("journey/unknown", json!({}));
    assert_eq!(r["error"]["code"], -32601, "{r}");
    lsp.request("shutdown", Value::Null);
}

#[test]
fn tests_beside_a_journey_get_diagnostics_as_you_type() {
    let scratch = Scratch::new("lsp", "tests");
    let path = scratch.join("t.journey");
    let text = "journey \"Demo\" {\n  stage \"Visited\" { when visited page \"/a\" }\n}\n\ntest \"t\" of \"Demo\" {\n  contact \"ann\" {\n    at +0 days visited page \"/a\"\n  }\n  expect \"anne\" reaches stage 1\n}\n";
    std::fs::write(&path, text).unwrap();
    let uri = format!("file://{}", path.display());
    let mut lsp = Client::start(&scratch);
    lsp.request(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {}}),
    );
    lsp.notify("initialized", json!({}));
    lsp.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "journey", "version": 1, "text": text}}),
    );
    let diags = lsp.diagnostics(&uri);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0]["code"], "J6002", "{diags:?}");
    assert_eq!(diags[0]["range"]["start"], find(text, "\"anne\"", 0, 0));
    let fixed = text.replace("\"anne\"", "\"ann\"");
    lsp.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": fixed}]}),
    );
    assert_eq!(lsp.diagnostics(&uri), Vec::<Value>::new());
    // The outline lists the test after the journey, and the test folds.
    let symbols = lsp.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri}}),
    );
    let names: Vec<(&str, &str)> = (symbols.as_array().unwrap().iter())
        .map(|s| (s["name"].as_str().unwrap(), s["detail"].as_str().unwrap()))
        .collect();
    assert_eq!(names, [("Demo", "journey"), ("t", "test of \"Demo\"")]);
    let folds = lsp.request(
        "textDocument/foldingRange",
        json!({"textDocument": {"uri": uri}}),
    );
    assert!(
        (folds.as_array().unwrap().iter()).any(|f| f["startLine"] == 4 && f["endLine"] == 9),
        "{folds}"
    );
}
