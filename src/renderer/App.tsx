/**
 * The whole window: the status bar on top, the probe picker and custom form
 * on the left, and on the right the run controls and the session's view
 * (histogram or trace). It owns the form state and wires keyboard shortcuts.
 */
import { useEffect, useEffectEvent, useState } from 'react';
import { useActions } from './actions.js';
import { useLabApi } from './api-context.js';
import { EMPTY_CUSTOM, type CustomProbeInput } from './custom-probe.js';
import { useLab, useProbes } from './hooks.js';
import { choiceSpec, chosenStatus, DEFAULT_CHOICE, type ProbeChoice } from './probe-choice.js';
import { keyAction } from './shortcuts.js';
import { DEFAULT_START, startBlocker, startRequest, validateStart, type StartFormInput } from './start-form.js';
import { CustomProbeForm } from './components/CustomProbeForm.js';
import { HistogramView, type HistogramShape } from './components/HistogramView.js';
import { LogPanel } from './components/LogPanel.js';
import { ProbePicker } from './components/ProbePicker.js';
import { SessionBanner } from './components/SessionBanner.js';
import { StartForm } from './components/StartForm.js';
import { StatusBar } from './components/StatusBar.js';
import { TraceView } from './components/TraceView.js';
import { UnavailableCard } from './components/UnavailableCard.js';
import { ClassicLesson } from './components/ClassicLesson.js';
import { InsideView } from './components/inside/InsideView.js';
import { TabPanel, Tabs } from './components/Tabs.js';
import { useInside } from './inside-data.js';

/** The main area's views: the live histogram or trace, the probe's insides, and the classic BPF lesson. */
type Area = 'live' | 'inside' | 'classic';

export function App() {
  const api = useLabApi();
  const { state, controller } = useLab(api);
  const actions = useActions(api, controller);
  const catalog = useProbes(api, state.status?.helper.state === 'ready');
  const [choice, setChoice] = useState<ProbeChoice>(DEFAULT_CHOICE);
  // A new pick: the last start's error was about the old one.
  const choose = (next: ProbeChoice): void => {
    setChoice(next);
    actions.clearStartError();
  };
  const [custom, setCustom] = useState<CustomProbeInput>(EMPTY_CUSTOM);
  const [form, setForm] = useState<StartFormInput>(DEFAULT_START);
  const [attempted, setAttempted] = useState(false);
  const { session } = state;
  const running = session && !session.ended ? session : null;
  const chosen = chosenStatus(choice, catalog.probes);
  const unavailable = chosen && !chosen.available ? chosen : null;
  const blocked = startBlocker(state.status, chosen);
  const [area, setArea] = useState<Area>('live');
  // How the histogram is shown: kept across sessions, so a new Start keeps the learner's choice.
  const [shape, setShape] = useState<HistogramShape>({ table: false, all: false });
  const inside = useInside(api, session?.info.session ?? null, area === 'inside', running !== null, session?.info.intervalMs ?? 2000);
  const liveLabel = (session?.info.mode ?? form.mode) === 'trace' ? 'Trace' : 'Histogram';

  const startNow = (): void => {
    if (running || state.starting || blocked !== null) return;
    const probe = choiceSpec(choice, custom);
    const { settings } = validateStart(form);
    if (!probe.spec || !settings) {
      setAttempted(true);
      // Take the user to the first thing to fix.
      requestAnimationFrame(() => {
        const field = document.querySelector<HTMLElement>('[aria-invalid="true"]');
        field?.focus();
        // 'nearest': only the sidebar or the main area scrolls; 'center' could scroll the window itself.
        field?.parentElement?.scrollIntoView({ block: 'nearest' });
      });
      return;
    }
    setAttempted(false);
    void actions.start(startRequest(settings, probe.spec));
  };
  const stopNow = (): void => {
    if (running && !actions.stopping) void actions.stop(running.info.session);
  };

  // The listener is added once and sees the latest render's state through an effect event.
  const onKey = useEffectEvent((e: KeyboardEvent): void => {
    // A held key, a key some control already handled, or an IME composition: not a shortcut.
    if (e.repeat || e.defaultPrevented || e.isComposing) return;
    // Space and P pause the trace list, and T switches chart and table, only while they are on screen.
    const trace = area === 'live' ? session?.trace ?? null : null;
    const view = area !== 'live' ? null : trace ? 'trace' : session?.histogram ? 'histogram' : null;
    const action = keyAction(
      { key: e.key, ctrlKey: e.ctrlKey, metaKey: e.metaKey, altKey: e.altKey, target: e.target as HTMLElement | null }, view,
    );
    if (action === null) return;
    e.preventDefault();
    if (action === 'pause') trace?.togglePause();
    else if (action === 'table') {
      // The focus may be in the view that goes (the table's scroller): hand it to the switch, which stays.
      const inView = (document.activeElement as HTMLElement | null)?.closest('.view-body') !== null;
      setShape((s) => ({ ...s, table: !s.table }));
      if (inView) requestAnimationFrame(() => document.querySelector<HTMLElement>('.histogram-switch [aria-pressed="true"]')?.focus());
    }
    else if (running) stopNow();
    else startNow();
  });
  useEffect(() => {
    const listener = (e: KeyboardEvent): void => onKey(e);
    window.addEventListener('keydown', listener);
    return () => window.removeEventListener('keydown', listener);
  }, []);

  return (
    <div className="app">
      <StatusBar
        status={state.status} session={session} notice={state.notice}
        restarting={actions.restarting} restartError={actions.restartError} onRestart={() => void actions.restart()}
      />
      <div className="workspace">
        <aside className="sidebar" aria-label="Probes">
          {/* Like the settings, the probe of a running session is locked until Stop. */}
          <ProbePicker catalog={catalog} choice={choice} onChoose={choose} locked={running !== null} />
          <CustomProbeForm
            value={custom} onChange={setCustom} active={choice.kind === 'custom'}
            onActivate={() => { if (choice.kind !== 'custom') choose({ kind: 'custom' }); }} showAll={attempted && choice.kind === 'custom'}
            catalogOnly={state.status?.helper.privilege === 'pkexec'} locked={running !== null}
          />
          <LogPanel log={state.log} />
        </aside>
        <main className="main">
          <StartForm
            value={form} onChange={setForm} showAll={attempted}
            running={running !== null} starting={state.starting} stopping={actions.stopping} blocked={blocked}
            startError={actions.startError} stopError={actions.stopError} onStart={startNow} onStop={stopNow}
          />
          {session ? <SessionBanner session={session} scope={state.status?.helper.state === 'ready' ? state.status.helper.scope : undefined} /> : null}
          <Tabs
            tabs={[{ id: 'live', label: liveLabel }, { id: 'inside', label: 'Inside the probe' }, { id: 'classic', label: 'Classic BPF' }]}
            selected={area} onSelect={setArea} label="What to show" idPrefix="area"
          />
          {/* Every area stays mounted, hidden when another is shown, so its filters and choices survive a look elsewhere. */}
          <TabPanel idPrefix="area" id="live" className="area-panel" hidden={area !== 'live'}>
            {unavailable && !running ? (
              <UnavailableCard
                probe={unavailable} titles={new Map(catalog.probes?.probes.map((p) => [p.id, p.title]))}
                onChoose={(alternative) => {
                  choose({ kind: 'catalog', id: alternative });
                  // The card (and the pressed button) goes away: the keyboard continues from the probe chosen.
                  requestAnimationFrame(() => document.querySelector<HTMLElement>(`[data-testid="probe-${alternative}"]`)?.focus());
                }}
              />
            ) : null}
            {session?.histogram ? <HistogramView key={session.info.session} session={session} shape={shape} onShape={setShape} /> : null}
            {session?.trace ? <TraceView key={session.info.session} store={session.trace} /> : null}
            {!session && !unavailable ? (
              <div className="empty">
                <p>Pick a probe, choose Histogram or Trace, and press Start (Ctrl+Enter).</p>
                <p>A histogram counts sizes in the kernel and shows the totals every few seconds; a trace lists every event.</p>
                <p>Then open Inside the probe to see the program that counts them, or Classic BPF for where BPF began.</p>
              </div>
            ) : null}
          </TabPanel>
          <TabPanel idPrefix="area" id="inside" className="area-panel" hidden={area !== 'inside'}>
            <InsideView key={inside?.session ?? 0} data={inside} layout={session?.layout ?? null} running={running !== null} />
          </TabPanel>
          <TabPanel idPrefix="area" id="classic" className="area-panel" hidden={area !== 'classic'}>
            <ClassicLesson api={api} />
          </TabPanel>
        </main>
      </div>
    </div>
  );
}
