// The playground page: three views behind a tab list (arrow keys move between tabs).
import { getBackend, getNumThreads } from "@tensortape/core";
import { setUpBackward } from "./backward/view.js";
import { byId } from "./dom.js";
import { setUpDraw } from "./draw/view.js";
import "./style.css";
import { setUpTrain } from "./train/view.js";

function setUpTabs(): void {
  const tabs = [...byId("tabs").querySelectorAll<HTMLButtonElement>('[role="tab"]')];
  const select = (tab: HTMLButtonElement, focus: boolean) => {
    for (const other of tabs) {
      const selected = other === tab;
      other.setAttribute("aria-selected", String(selected));
      other.tabIndex = selected ? 0 : -1;
      byId(other.getAttribute("aria-controls")!).hidden = !selected;
    }
    if (focus) tab.focus();
    history.replaceState(null, "", `#${tab.id.replace("tab-", "")}`);
  };
  for (const [i, tab] of tabs.entries()) {
    tab.addEventListener("click", () => select(tab, false));
    tab.addEventListener("keydown", (event) => {
      const moves: Record<string, number> = {
        ArrowRight: i + 1,
        ArrowLeft: i - 1,
        Home: 0,
        End: tabs.length - 1,
      };
      const to = moves[event.key];
      if (to === undefined) return;
      event.preventDefault();
      select(tabs[(to + tabs.length) % tabs.length]!, true);
    });
  }
  const initial = tabs.find((tab) => tab.id === `tab-${location.hash.slice(1)}`);
  if (initial) select(initial, false);
}

setUpTabs();
const threads = getNumThreads();
byId("runtime").textContent =
  `Backend: ${getBackend().name}` +
  (crossOriginIsolated
    ? ` · cross-origin isolated: up to ${threads} thread${threads === 1 ? "" : "s"}`
    : " · not cross-origin isolated: one thread");
const train = setUpTrain((model) => receiveTrained(model));
const receiveTrained = setUpDraw(() => train.requestWeights());
setUpBackward();
