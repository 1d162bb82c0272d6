/** An error message announced to screen readers; renders nothing without a message. */
export function Alert(props: { message: string | null | undefined; className?: string }) {
  if (!props.message) return null;
  return (
    <p role="alert" className={`error ${props.className ?? ''}`.trim()}>
      {props.message}
    </p>
  );
}
