create table public.profiles (
  id uuid primary key references auth.users(id) on delete cascade,
  full_name text,
  avatar_url text
);

comment on table public.profiles is 'One row per user, made when the user signs up.';

-- RLS
alter table public.profiles enable row level security;

create policy "Users read their own profile"
  on public.profiles for select
  to authenticated
  using ( id = (select auth.uid()) );

create policy "Users edit their own profile"
  on public.profiles for update
  to authenticated
  using ( id = (select auth.uid()) )
  with check ( id = (select auth.uid()) );

create or replace function public.handle_new_user()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.profiles (id, full_name, avatar_url)
  values (new.id, new.raw_user_meta_data ->> 'full_name', new.raw_user_meta_data ->> 'avatar_url');
  return new;
end;
$$;
comment on function public.handle_new_user() is 'Makes the profile of every new user; security definer because the sign-up runs as the auth service.';
revoke execute on function public.handle_new_user() from public, anon, authenticated;

create trigger on_auth_user_created
  after insert on auth.users
  for each row
  execute function public.handle_new_user();

create policy "Owners delete trips"
  on public.trips for delete
  to authenticated
  using ( owner_id = (select auth.uid()) );

create index trips_status_idx on public.trips(status);

grant select on table public.trips to authenticated;
