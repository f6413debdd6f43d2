"""Every fixed command of the main window: its label, icon, shortcuts, menu and toolbar place.

One registry, so menus, the toolbar and Help → Keyboard shortcuts always
agree. The window connects each action's `triggered` to what it does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QObject, QSize, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QToolBar, QToolButton

from atoz_desk.ui.icons import icon

DETAIL_TAB_COUNT = 7


def plain(text: str) -> str:
    """A menu text without its mnemonic markers: '&Find claim…' -> 'Find claim', 'A && B' -> 'A & B'."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…")


@dataclass(frozen=True)
class Shortcut:
    group: str
    description: str
    keys: str


class Commands(QObject):
    def __init__(self, window: QMainWindow, *, supervisor: bool) -> None:
        super().__init__(window)
        self._window = window
        self.supervisor = supervisor
        self._registry: list[tuple[str, QAction]] = []
        a = self._action
        self.new_claim = a("File", "&New claim…", ["Ctrl+Shift+N"], "new-claim", "newClaim")
        self.switch_user = a("File", "S&witch user…", ["Ctrl+Shift+U"], None, "switchUser")
        self.sign_out = a("File", "Sign &out", [], "sign-out", "signOut")
        self.quit = a("File", "&Quit", ["Ctrl+Q"], None, "quit")
        self.take_next = a("Claim", "&Take next claim", ["Ctrl+N"], "take-next", "takeNext")
        self.find = a("Claim", "&Find claim…", ["Ctrl+K", "Ctrl+F"], "search", "findClaim")
        self.next_claim = a("Claim", "Ne&xt claim in queue", ["J", "Ctrl+Down"], None, "nextClaim")
        self.previous_claim = a("Claim", "Pre&vious claim in queue", ["K", "Ctrl+Up"], None, "previousClaim")
        self.primary = a(
            "Claim", "&Approve / primary action", ["Ctrl+Return", "Ctrl+Enter"], None, "primaryAction"
        )
        self.reassign = a("Claim", "&Reassign…", ["Ctrl+Shift+A"], "reassign", "reassign")
        self.letter_batch = a(
            "Claim", "Generate &letters for selection…", ["Ctrl+Shift+L"], None, "generateLetters"
        )
        self.refresh = a("View", "&Refresh", ["F5"], "refresh", "refresh")
        self.filter = a("View", "F&ilter the queue", ["Ctrl+L"], None, "filterQueue")
        self.next_pane = a("View", "Next &pane", ["F6"], None, "nextPane")
        self.previous_pane = a("View", "Previous pane", ["Shift+F6"], None, "previousPane")
        self.tabs = [
            a("View", f"Tab {n}", [f"Ctrl+{n}"], None, f"detailTab{n}")
            for n in range(1, DETAIL_TAB_COUNT + 1)
        ]
        self.workload = a("Team", "Team &workload…", ["Ctrl+Shift+W"], "workload", "teamWorkload")
        self.shortcuts = a("Help", "&Keyboard shortcuts", ["F1", "Ctrl+/"], "keyboard", "keyboardShortcuts")
        self.about = a("Help", "&About AtoZ Desk", [], None, "about")
        for action in (self.reassign, self.workload):
            action.setVisible(supervisor)
            action.setEnabled(supervisor)
        self.reassign.setEnabled(False)  # until a claim is open
        self.actions_menu: QMenu | None = None

    def _action(self, group: str, text: str, keys: list[str], icon_name: str | None, name: str) -> QAction:
        action = QAction(text, self._window)
        action.setObjectName(name)
        if icon_name:
            action.setIcon(icon(icon_name))
        if keys:
            action.setShortcuts([QKeySequence(k) for k in keys])
            action.setToolTip(f"{text.replace('&', '').rstrip('…')} ({' or '.join(keys)})")
        # window-wide: works wherever the focus is in the window, menu bar shown or not
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self._window.addAction(action)
        self._registry.append((group, action))
        return action

    def set_tab_titles(self, titles: Sequence[str]) -> None:
        for action, title in zip(self.tabs, titles, strict=False):
            action.setText(f"{title.replace('&', '&&')} tab")  # "&&" shows a literal "&" in menus

    # --------------------------------------------------------------- menus

    def build_menus(self) -> QMenu:
        """The menu bar; returns the Claim → Actions submenu (filled when it opens)."""
        bar = self._window.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.new_claim)
        file_menu.addSeparator()
        file_menu.addActions([self.switch_user, self.sign_out])
        file_menu.addSeparator()
        file_menu.addAction(self.quit)
        claim_menu = bar.addMenu("&Claim")
        claim_menu.addActions([self.take_next, self.find])
        claim_menu.addSeparator()
        claim_menu.addActions([self.next_claim, self.previous_claim])
        claim_menu.addSeparator()
        claim_menu.addAction(self.primary)
        self.actions_menu = claim_menu.addMenu("A&ctions")
        self.actions_menu.setObjectName("claimActionsMenu")
        claim_menu.addAction(self.reassign)
        claim_menu.addSeparator()
        claim_menu.addAction(self.letter_batch)
        view_menu = bar.addMenu("&View")
        view_menu.addActions([self.refresh, self.filter, self.next_pane, self.previous_pane])
        view_menu.addSeparator()
        view_menu.addActions(self.tabs)
        view_menu.addSeparator()
        self.columns_menu = view_menu.addMenu("Queue &columns")
        self.columns_menu.setObjectName("queueColumnsMenu")
        if self.supervisor:
            team_menu = bar.addMenu("&Team")
            team_menu.addActions([self.workload, self.reassign])
        help_menu = bar.addMenu("&Help")
        help_menu.addActions([self.shortcuts, self.about])
        return self.actions_menu

    def build_toolbar(self) -> QToolBar:
        toolbar = QToolBar("Main", self._window)
        toolbar.setObjectName("mainToolbar")
        toolbar.setAccessibleName("Main toolbar")
        toolbar.setMovable(False)
        toolbar.setIconSize(QSize(18, 18))
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.addActions([self.take_next, self.new_claim, self.find, self.refresh])
        if self.supervisor:
            toolbar.addSeparator()
            toolbar.addAction(self.workload)
        for action in toolbar.actions():
            button = toolbar.widgetForAction(action)
            if isinstance(button, QToolButton):
                button.setAccessibleName(plain(action.text()))
        self._window.addToolBar(toolbar)
        return toolbar

    # ------------------------------------------------------------ shortcuts

    def shortcut_list(self) -> list[Shortcut]:
        """Every shortcut the window answers, for Help → Keyboard shortcuts."""
        out: list[Shortcut] = []
        for group, action in self._registry:
            keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()]
            if keys and action.isVisible():
                out.append(Shortcut(group, plain(action.text()), " or ".join(keys)))
        out.append(Shortcut("Claim", "The claim's moves, in the order shown", "Alt+1 … Alt+9"))
        out.append(Shortcut("Queue", "Move within the queue table", "↑ ↓ Page Up Page Down Home End"))
        out.append(
            Shortcut("Queue", "Sort by a column", "Click a header (Reference, Claimed, Due, Age, Fraud)")
        )
        out.append(Shortcut("Evidence tab", "Add evidence (or drop files on the tab)", "Ctrl+Shift+E"))
        out.append(Shortcut("Evidence tab", "Open the file with the system viewer", "Ctrl+Shift+O"))
        out.append(Shortcut("Evidence tab", "Copy the file's SHA-256", "Ctrl+Shift+H"))
        out.append(Shortcut("Evidence tab", "Verify the claim's files (re-hash)", "Ctrl+Shift+V"))
        out.append(Shortcut("Fraud tab", "Confirm the selected flag", "Ctrl+Shift+C"))
        out.append(Shortcut("Fraud tab", "Dismiss the selected flag (with a reason)", "Ctrl+Shift+D"))
        out.append(Shortcut("Fraud tab", "Re-screen the claim now", "Ctrl+Shift+R"))
        out.append(Shortcut("Fraud tab", "Save the expert referral packet", "Ctrl+Shift+P"))
        out.append(Shortcut("Fraud tab", "Linked claims / open the chosen one", "Alt+L / Enter"))
        out.append(Shortcut("Dialogs", "Send a move from its note", "Ctrl+Enter"))
        out.append(Shortcut("Letters tab", "Save as / print / generate a letter", "Ctrl+S / Ctrl+P / Ctrl+G"))
        out.append(Shortcut("Find", "Choose a match / open it / close", "↑ ↓ / Enter / Esc"))
        return out
