/** The console's entry point (bundled by console/build.mjs). */
import { render } from "preact";
import { App } from "./app.tsx";
import { readConfig, setToken, takeToken } from "./session.ts";
import "./style.css";

const config = readConfig();
const token = takeToken(config);
setToken(token);
const root = document.getElementById("app")!;
if (token === undefined) {
  root.innerHTML = "";
  const main = document.createElement("main");
  const heading = document.createElement("h1");
  heading.textContent = "Open the console from its URL";
  const text = document.createElement("p");
  text.textContent =
    "This console needs the token in the URL its command printed (registry console): open that URL in this browser.";
  main.append(heading, text);
  root.append(main);
} else {
  root.innerHTML = "";
  render(<App />, root);
}
