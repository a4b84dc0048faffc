// Name pools for generated users: the mix of Spanish and English names a site's staff list has.

export const FIRST_NAMES = [
  "Ana", "Carlos", "María", "José", "Lucía", "Miguel", "Sofía", "Javier", "Elena", "Pablo",
  "Carmen", "Andrés", "Laura", "Diego", "Isabel", "Jorge", "Paula", "Luis", "Marta", "Raúl",
  "Valentina", "Mateo", "Camila", "Santiago", "Daniela", "Sebastián", "Gabriela", "Nicolás", "Andrea", "Tomás",
  "John", "Mary", "David", "Sarah", "James", "Emma", "Robert", "Olivia", "Michael", "Grace",
  "Peter", "Linda", "Kevin", "Susan", "Brian", "Alice", "Mark", "Helen", "Paul", "Rose",
] as const;

export const LAST_NAMES = [
  "García", "Martínez", "López", "Sánchez", "Pérez", "Gómez", "Díaz", "Torres", "Ramírez", "Flores",
  "Rojas", "Vargas", "Castro", "Muñoz", "Ortiz", "Silva", "Morales", "Herrera", "Medina", "Núñez",
  "Reyes", "Cruz", "Romero", "Álvarez", "Ruiz", "Peña", "Navarro", "Molina", "Suárez", "Vega",
  "Smith", "Johnson", "Brown", "Taylor", "Wilson", "Clark", "Lewis", "Walker", "Hall", "Young",
] as const;

/** Folds accents away for the 8-byte ZK6 name field, which old firmware shows as ASCII. */
export function asciiFold(s: string): string {
  return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "");
}
