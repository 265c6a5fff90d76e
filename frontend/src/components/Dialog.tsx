import { useEffect, useRef, type ReactNode } from "react";

// A modal dialog on the browser's own <dialog>: showModal() keeps focus inside, Escape closes it,
// and the rest of the page is inert while it is open. (jsdom has no showModal: the open attribute
// is the fallback, enough for unit tests.)
export function Dialog(props: { open: boolean; onClose: () => void; title: string; id: string; children: ReactNode }) {
  const { open, onClose, title, id, children } = props;
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      if (typeof d.showModal === "function") d.showModal();
      else d.setAttribute("open", "");
    } else if (!open && d.open) {
      if (typeof d.close === "function") d.close();
      else d.removeAttribute("open");
    }
  }, [open]);
  return (
    <dialog
      ref={ref}
      aria-labelledby={`${id}-title`}
      onClose={onClose}
      onCancel={onClose}
      className="m-auto w-full max-w-md rounded-lg border border-slate-300 bg-white p-5 text-slate-900 shadow-xl backdrop:bg-slate-900/50"
    >
      {open && (
        <>
          <h2 id={`${id}-title`} className="text-lg font-semibold">
            {title}
          </h2>
          <div className="mt-3 space-y-3">{children}</div>
        </>
      )}
    </dialog>
  );
}
