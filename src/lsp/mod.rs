//! `journey lsp`: a language server over stdio. Every change re-parses and re-checks the whole
//! file (the parser and checker are synchronous and fast), publishes `journey check`'s
//! diagnostics, and answers hover, completion, definition, references, rename, formatting,
//! document symbols and folding ranges from that analysis.
//!
//! A request whose handler fails or panics gets an error response; the server goes on. It
//! reads nothing but the open documents and the nearest `journey.toml`.

mod complete;
mod document;
mod hover;
mod navigate;
mod outline;
mod position;
mod publish;

use document::Document;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, Notification as _,
    PublishDiagnostics,
};
use lsp_types::request::{
    Completion, DocumentSymbolRequest, FoldingRangeRequest, Formatting, GotoDefinition,
    HoverRequest, PrepareRenameRequest, References, Rename, Request as _,
};
use lsp_types::{
    CompletionOptions, CompletionResponse, DocumentSymbolResponse, GotoDefinitionResponse, OneOf,
    PrepareRenameResponse, PublishDiagnosticsParams, RenameOptions, ServerCapabilities,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextEdit, Url,
};
use serde_json::Value;
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Serve the protocol on standard input and output until the client says `exit`.
pub fn serve() -> Result<(), String> {
    let (connection, io) = Connection::stdio();
    let capabilities = serde_json::to_value(capabilities()).map_err(|e| e.to_string())?;
    connection
        .initialize(capabilities)
        .map_err(|e| format!("the client did not initialize: {e}"))?;
    let mut server = Server {
        connection,
        documents: HashMap::new(),
    };
    server.run()?;
    drop(server);
    io.join()
        .map_err(|e| format!("the connection to the client failed: {e}"))
}

fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        hover_provider: Some(lsp_types::HoverProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec!["\"".into(), " ".into()]),
            ..CompletionOptions::default()
        }),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: Default::default(),
        })),
        document_formatting_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        folding_range_provider: Some(lsp_types::FoldingRangeProviderCapability::Simple(true)),
        ..ServerCapabilities::default()
    }
}

struct Server {
    connection: Connection,
    documents: HashMap<Url, Document>,
}

/// A request's failure: the protocol's error code and a message.
type Failed = (ErrorCode, String);

impl Server {
    fn run(&mut self) -> Result<(), String> {
        let receiver = self.connection.receiver.clone();
        for message in &receiver {
            match message {
                Message::Request(req) => {
                    if self
                        .connection
                        .handle_shutdown(&req)
                        .map_err(|e| e.to_string())?
                    {
                        return Ok(());
                    }
                    let id = req.id.clone();
                    let answer = catch_unwind(AssertUnwindSafe(|| self.request(req)))
                        .unwrap_or_else(|_| {
                            Err((
                                ErrorCode::InternalError,
                                "journey lsp failed on this request; please report it".into(),
                            ))
                        });
                    self.respond(id, answer)?;
                }
                Message::Notification(n) => {
                    // A notification has no answer: a failure is logged, the server goes on.
                    match catch_unwind(AssertUnwindSafe(|| self.notification(n))) {
                        Ok(Ok(())) => {}
                        Ok(Err(e)) => eprintln!("journey lsp: {e}"),
                        Err(_) => eprintln!("journey lsp: a notification failed; please report it"),
                    }
                }
                Message::Response(_) => {}
            }
        }
        Ok(())
    }

    fn respond(&self, id: RequestId, answer: Result<Value, Failed>) -> Result<(), String> {
        let response = match answer {
            Ok(value) => Response::new_ok(id, value),
            Err((code, message)) => Response::new_err(id, code as i32, message),
        };
        self.connection
            .sender
            .send(Message::Response(response))
            .map_err(|e| e.to_string())
    }

    fn notification(&mut self, n: Notification) -> Result<(), String> {
        match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let p: lsp_types::DidOpenTextDocumentParams = params(n.params)?;
                let doc = Document::new(p.text_document.uri.clone(), p.text_document.text);
                self.publish(&doc, Some(p.text_document.version))?;
                self.documents.insert(p.text_document.uri, doc);
            }
            DidChangeTextDocument::METHOD => {
                let p: lsp_types::DidChangeTextDocumentParams = params(n.params)?;
                // Full sync: the last change holds the whole text.
                let Some(change) = p.content_changes.into_iter().last() else {
                    return Ok(());
                };
                let uri = p.text_document.uri;
                let doc = match self.documents.remove(&uri) {
                    Some(old) => old.changed(change.text),
                    None => Document::new(uri.clone(), change.text),
                };
                self.publish(&doc, Some(p.text_document.version))?;
                self.documents.insert(uri, doc);
            }
            DidCloseTextDocument::METHOD => {
                let p: lsp_types::DidCloseTextDocumentParams = params(n.params)?;
                self.documents.remove(&p.text_document.uri);
                self.send_diagnostics(p.text_document.uri, Vec::new(), None)?;
            }
            _ => {}
        }
        Ok(())
    }

    fn publish(&self, doc: &Document, version: Option<i32>) -> Result<(), String> {
        self.send_diagnostics(doc.uri.clone(), publish::diagnostics(doc), version)
    }

    fn send_diagnostics(
        &self,
        uri: Url,
        diagnostics: Vec<lsp_types::Diagnostic>,
        version: Option<i32>,
    ) -> Result<(), String> {
        let params = PublishDiagnosticsParams::new(uri, diagnostics, version);
        self.connection
            .sender
            .send(Message::Notification(Notification::new(
                PublishDiagnostics::METHOD.into(),
                params,
            )))
            .map_err(|e| e.to_string())
    }

    fn document(&self, uri: &Url) -> Result<&Document, Failed> {
        self.documents.get(uri).ok_or_else(|| {
            (
                ErrorCode::InvalidParams,
                format!("{uri} is not open (the client sends didOpen first)"),
            )
        })
    }

    fn request(&self, req: Request) -> Result<Value, Failed> {
        let bad = |e: String| (ErrorCode::InvalidParams, e);
        let json = |v: Result<Value, serde_json::Error>| {
            v.map_err(|e| (ErrorCode::InternalError, e.to_string()))
        };
        match req.method.as_str() {
            HoverRequest::METHOD => {
                let p: lsp_types::HoverParams = params(req.params).map_err(bad)?;
                let (doc, at) = self.at(&p.text_document_position_params)?;
                json(serde_json::to_value(hover::hover(doc, at)))
            }
            Completion::METHOD => {
                let p: lsp_types::CompletionParams = params(req.params).map_err(bad)?;
                let (doc, at) = self.at(&p.text_document_position)?;
                let config = config_for(&doc.uri);
                let items = complete::complete(doc, at, &config);
                json(serde_json::to_value(CompletionResponse::Array(items)))
            }
            GotoDefinition::METHOD => {
                let p: lsp_types::GotoDefinitionParams = params(req.params).map_err(bad)?;
                let (doc, at) = self.at(&p.text_document_position_params)?;
                json(serde_json::to_value(
                    navigate::definition(doc, at).map(GotoDefinitionResponse::Scalar),
                ))
            }
            References::METHOD => {
                let p: lsp_types::ReferenceParams = params(req.params).map_err(bad)?;
                let (doc, at) = self.at(&p.text_document_position)?;
                json(serde_json::to_value(navigate::references(
                    doc,
                    at,
                    p.context.include_declaration,
                )))
            }
            PrepareRenameRequest::METHOD => {
                let p: lsp_types::TextDocumentPositionParams = params(req.params).map_err(bad)?;
                let (doc, at) = self.at(&p)?;
                json(serde_json::to_value(navigate::prepare_rename(doc, at).map(
                    |span| PrepareRenameResponse::Range(doc.lines.range(&doc.text, span)),
                )))
            }
            Rename::METHOD => {
                let p: lsp_types::RenameParams = params(req.params).map_err(bad)?;
                let (doc, at) = self.at(&p.text_document_position)?;
                match navigate::rename(doc, at, &p.new_name) {
                    Some(edit) => json(serde_json::to_value(edit)),
                    None => Err((
                        ErrorCode::InvalidParams,
                        "no stage here: put the cursor on a stage's name or a stage reference"
                            .into(),
                    )),
                }
            }
            Formatting::METHOD => {
                let p: lsp_types::DocumentFormattingParams = params(req.params).map_err(bad)?;
                let doc = self.document(&p.text_document.uri)?;
                // A file with syntax errors is left as it is; its diagnostics say why.
                let edits: Vec<TextEdit> = match crate::fmt::format_source(&doc.text) {
                    Ok(formatted) if formatted != doc.text => vec![TextEdit::new(
                        doc.lines
                            .range(&doc.text, crate::span::Span::new(0, doc.text.len())),
                        formatted,
                    )],
                    _ => Vec::new(),
                };
                json(serde_json::to_value(edits))
            }
            DocumentSymbolRequest::METHOD => {
                let p: lsp_types::DocumentSymbolParams = params(req.params).map_err(bad)?;
                let doc = self.document(&p.text_document.uri)?;
                json(serde_json::to_value(DocumentSymbolResponse::Nested(
                    outline::symbols(doc),
                )))
            }
            FoldingRangeRequest::METHOD => {
                let p: lsp_types::FoldingRangeParams = params(req.params).map_err(bad)?;
                let doc = self.document(&p.text_document.uri)?;
                json(serde_json::to_value(outline::folding(doc)))
            }
            other => Err((
                ErrorCode::MethodNotFound,
                format!("journey lsp does not answer {other}"),
            )),
        }
    }

    /// The document and byte offset a position request is about.
    fn at(&self, p: &lsp_types::TextDocumentPositionParams) -> Result<(&Document, usize), Failed> {
        let doc = self.document(&p.text_document.uri)?;
        Ok((doc, doc.lines.offset(&doc.text, p.position)))
    }
}

fn params<T: serde::de::DeserializeOwned>(v: Value) -> Result<T, String> {
    serde_json::from_value(v).map_err(|e| format!("malformed parameters: {e}"))
}

/// The `journey.toml` that applies to a document on disk (its columns), else the defaults.
fn config_for(uri: &Url) -> crate::config::Config {
    uri.to_file_path()
        .ok()
        .and_then(|path| crate::config::Config::find(None, &path).ok())
        .map(|(c, _)| c)
        .unwrap_or_default()
}
