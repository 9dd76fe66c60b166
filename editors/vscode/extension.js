// The client: VS Code starts `journey lsp` (the binary named by the `journey.path` setting) for
// .journey files and talks the language server protocol with it over stdio. Everything a
// journey file shows (diagnostics, hover, completion, rename, formatting) comes from the server.
const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("journey").get("path") || "journey";
  const server = { command, args: ["lsp"], transport: TransportKind.stdio };
  client = new LanguageClient(
    "journey",
    "Journey",
    { run: server, debug: server },
    { documentSelector: [{ language: "journey" }] }
  );
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
