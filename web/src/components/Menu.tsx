import { type ReactNode, type RefObject, useEffect, useId, useRef, useState } from 'react';

export interface MenuItem {
  label: string;
  onSelect: () => void;
  danger?: boolean;
}

/**
 * A menu button (WAI-ARIA menu-button pattern): Enter, Space or ArrowDown opens the menu on its first item,
 * ArrowUp on its last; ArrowUp/ArrowDown (wrapping), Home and End move; Enter or Space chooses; Escape, Tab and
 * a click outside close it, and focus goes back to the button.
 */
export function MenuButton({
  label,
  children,
  items,
  buttonRef,
  className = '',
}: {
  label: string;
  children: ReactNode;
  items: MenuItem[];
  buttonRef?: RefObject<HTMLButtonElement | null>;
  className?: string;
}) {
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const ownRef = useRef<HTMLButtonElement | null>(null);
  const button = buttonRef ?? ownRef;
  const root = useRef<HTMLDivElement>(null);
  const itemRefs = useRef<(HTMLButtonElement | null)[]>([]);
  const id = useId();

  const show = (index: number) => {
    setActive(index);
    setOpen(true);
  };
  const close = (focusButton: boolean) => {
    setOpen(false);
    if (focusButton) button.current?.focus();
  };

  // Focus follows the active item while the menu is open.
  useEffect(() => {
    if (open) itemRefs.current[active]?.focus();
  }, [open, active]);

  // A press anywhere outside closes the menu; focus goes back to the button unless the press put it elsewhere.
  useEffect(() => {
    if (!open) return;
    const onDown = (e: PointerEvent) => {
      if (root.current?.contains(e.target as Node)) return;
      setOpen(false);
      setTimeout(() => {
        const now = document.activeElement;
        if (!now || now === document.body || root.current?.contains(now)) button.current?.focus();
      }, 0);
    };
    document.addEventListener('pointerdown', onDown, true);
    return () => document.removeEventListener('pointerdown', onDown, true);
  }, [open, button]);

  const onButtonKey = (e: React.KeyboardEvent) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      show(0);
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      show(items.length - 1);
    }
  };
  const onMenuKey = (e: React.KeyboardEvent) => {
    const n = items.length;
    const keys: Record<string, () => void> = {
      ArrowDown: () => setActive((active + 1) % n),
      ArrowUp: () => setActive((active - 1 + n) % n),
      Home: () => setActive(0),
      End: () => setActive(n - 1),
      Escape: () => close(true),
    };
    if (keys[e.key]) {
      e.preventDefault();
      e.stopPropagation();
      keys[e.key]!();
    } else if (e.key === 'Tab') {
      setOpen(false);
    } else if (e.key.length === 1 && /\S/.test(e.key)) {
      // Type-ahead: the next item starting with that letter.
      const start = (active + 1) % n;
      for (let k = 0; k < n; k++) {
        const i = (start + k) % n;
        if (items[i]!.label.toLowerCase().startsWith(e.key.toLowerCase())) {
          setActive(i);
          break;
        }
      }
    }
  };

  return (
    <div ref={root} className="relative">
      <button
        ref={button}
        type="button"
        id={`${id}-button`}
        aria-label={label}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? `${id}-menu` : undefined}
        onClick={() => (open ? close(false) : show(0))}
        onKeyDown={onButtonKey}
        className={className}
      >
        {children}
      </button>
      {open && (
        <div
          id={`${id}-menu`}
          role="menu"
          aria-labelledby={`${id}-button`}
          onKeyDown={onMenuKey}
          className="absolute right-0 z-20 mt-1 w-48 rounded-md border border-slate-200 bg-white py-1 shadow-lg"
        >
          {items.map((item, i) => (
            <button
              key={item.label}
              ref={(el) => {
                itemRefs.current[i] = el;
              }}
              type="button"
              role="menuitem"
              tabIndex={-1}
              onMouseEnter={() => setActive(i)}
              onClick={() => {
                close(true);
                item.onSelect();
              }}
              className={`block w-full px-3 py-2 text-left text-sm ${
                item.danger ? 'text-red-700 hover:bg-red-50 focus:bg-red-50' : 'text-slate-800 hover:bg-slate-100 focus:bg-slate-100'
              }`}
            >
              {item.label}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
