/**
 * Tabs as the WAI-ARIA pattern has them: one tab stop for the row, the arrow keys (and Home,
 * End) move between tabs and show each at once, and each panel is labelled by its tab.
 */
import { useRef, type KeyboardEvent, type ReactNode } from 'react';

export interface TabItem<T extends string> {
  id: T;
  label: string;
}

interface TabsProps<T extends string> {
  tabs: readonly TabItem<T>[];
  selected: T;
  onSelect: (id: T) => void;
  /** What the row of tabs is, for screen readers. */
  label: string;
  /** Makes the tab and panel ids unique on the page. */
  idPrefix: string;
  className?: string;
}

export const tabId = (prefix: string, id: string): string => `${prefix}-tab-${id}`;
export const panelId = (prefix: string, id: string): string => `${prefix}-panel-${id}`;

export function Tabs<T extends string>({ tabs, selected, onSelect, label, idPrefix, className }: TabsProps<T>) {
  const buttons = useRef(new Map<T, HTMLButtonElement>());
  const onKeyDown = (e: KeyboardEvent): void => {
    const at = tabs.findIndex((t) => t.id === selected);
    const next = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: tabs.length - 1 }[e.key];
    if (next === undefined || e.altKey || e.ctrlKey || e.metaKey) return;
    e.preventDefault();
    const tab = tabs[(next + tabs.length) % tabs.length]!;
    onSelect(tab.id);
    buttons.current.get(tab.id)?.focus();
  };
  return (
    <div role="tablist" aria-label={label} className={`tabs${className ? ` ${className}` : ''}`} onKeyDown={onKeyDown}>
      {tabs.map((t) => (
        <button
          key={t.id} type="button" role="tab" id={tabId(idPrefix, t.id)} aria-selected={t.id === selected}
          aria-controls={panelId(idPrefix, t.id)} tabIndex={t.id === selected ? 0 : -1}
          ref={(el) => { if (el) buttons.current.set(t.id, el); else buttons.current.delete(t.id); }}
          onClick={() => onSelect(t.id)}
        >
          {t.label}
        </button>
      ))}
    </div>
  );
}

interface TabPanelProps {
  idPrefix: string;
  id: string;
  children: ReactNode;
  className?: string;
  /** A panel kept mounted while another is shown. */
  hidden?: boolean;
}

export function TabPanel({ idPrefix, id, children, className, hidden }: TabPanelProps) {
  return (
    <div
      role="tabpanel" id={panelId(idPrefix, id)} aria-labelledby={tabId(idPrefix, id)} hidden={hidden}
      className={`tab-panel${className ? ` ${className}` : ''}`}
    >
      {children}
    </div>
  );
}
