import { type ReactNode, type RefObject, useEffect, useId, useRef } from 'react';

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

export const focusables = (root: HTMLElement) =>
  [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => el.getClientRects().length > 0 && !el.closest('[inert]'));

/**
 * A modal dialog (WAI-ARIA dialog pattern) on the native <dialog>: focus moves into it and is trapped there
 * (Tab and Shift+Tab cycle), Escape and a click on the backdrop close it, and focus returns to what opened it
 * (or to `returnFocus` when that is gone, e.g. a menu item).
 */
export function Dialog({
  open,
  title,
  description,
  onClose,
  children,
  variant = 'center',
  returnFocus,
  initialFocus,
}: {
  open: boolean;
  title: string;
  description?: ReactNode;
  onClose: () => void;
  children: ReactNode;
  variant?: 'center' | 'panel';
  returnFocus?: RefObject<HTMLElement | null>;
  initialFocus?: RefObject<HTMLElement | null>;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  const pressedOnBackdrop = useRef(false);
  const titleId = useId();
  const descriptionId = useId();
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      dialog.showModal();
      const first = initialFocus?.current ?? focusables(dialog)[0];
      (first ?? dialog).focus();
    }
    if (!open && dialog.open) {
      dialog.close();
      const back = opener.current?.isConnected ? opener.current : (returnFocus?.current ?? null);
      back?.focus();
    }
  }, [open, initialFocus, returnFocus]);

  // Unmounted while open (the page changed): focus still goes back.
  useEffect(
    () => () => {
      if (ref.current?.open) (opener.current?.isConnected ? opener.current : returnFocus?.current)?.focus();
    },
    [returnFocus],
  );

  const onKeyDown = (e: React.KeyboardEvent<HTMLDialogElement>) => {
    if (e.key !== 'Tab' || !ref.current) return;
    const items = focusables(ref.current);
    if (items.length === 0) {
      e.preventDefault();
      return;
    }
    const first = items[0]!;
    const last = items[items.length - 1]!;
    const active = document.activeElement;
    if (e.shiftKey && (active === first || !ref.current.contains(active))) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && (active === last || !ref.current.contains(active))) {
      e.preventDefault();
      first.focus();
    }
  };

  const placement =
    variant === 'panel'
      ? 'fixed inset-y-0 right-0 left-auto m-0 h-full max-h-full w-full max-w-md rounded-none border-l'
      : 'm-auto w-[calc(100%-2rem)] max-w-md rounded-xl border';
  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      aria-describedby={description ? descriptionId : undefined}
      // Escape: the browser's cancel event; the parent owns `open`, so it decides.
      onCancel={(e) => {
        e.preventDefault();
        onCloseRef.current();
      }}
      onKeyDown={onKeyDown}
      onPointerDown={(e) => (pressedOnBackdrop.current = e.target === ref.current)}
      onClick={(e) => {
        // The content fills the dialog box, so only the backdrop is the dialog element itself.
        if (e.target === ref.current && pressedOnBackdrop.current) onCloseRef.current();
      }}
      className={`${placement} border-slate-200 bg-white p-0 text-slate-900 shadow-xl backdrop:bg-slate-900/40`}
    >
      <div className={`space-y-4 p-5 ${variant === 'panel' ? 'min-h-full' : ''}`}>
        <div className="flex items-start justify-between gap-3">
          <h2 id={titleId} className="text-lg font-semibold">
            {title}
          </h2>
          <button
            type="button"
            onClick={() => onCloseRef.current()}
            aria-label="Close"
            className="-mt-1 -mr-2 rounded-md px-2 py-1 text-xl leading-none text-slate-600 hover:bg-slate-100"
          >
            <span aria-hidden="true">×</span>
          </button>
        </div>
        {description && (
          <div id={descriptionId} className="text-sm">
            {description}
          </div>
        )}
        {open && children}
      </div>
    </dialog>
  );
}
