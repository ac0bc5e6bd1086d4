let () =
  let mode = Scanf.scanf " %d" (fun x -> x) in
  let n = Scanf.scanf " %d" (fun x -> x) in
  let total = ref 0 in
  for _ = 1 to n do total := !total + Scanf.scanf " %d" (fun x -> x) done;
  if mode = 2 then exit 3;
  if mode = 3 then (let k = ref 0 in while true do k := (!k + 1) mod 1000 done);
  if mode = 1 then incr total;
  Printf.printf "%d\n" !total
